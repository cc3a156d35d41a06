/**
 * `geo`: points bucketed in a fixed lon/lat grid. A geo condition is answered with the
 * points of every cell its bounding rectangle touches (radius: a padded bound of the
 * circle; polygon: the exterior's bounds); the evaluator then applies the exact test.
 * Values outside the valid coordinate range cannot be placed in a cell; they are kept
 * aside and returned with every answer, since the evaluator may still accept them.
 */
import {
  WHOLE_EARTH,
  boundingBoxBounds,
  polygonBounds,
  radiusBounds,
  readGeoPoint,
  type FieldTest,
  type GeoRect,
} from '../filter/index.js';
import type { InternalId } from '../types.js';
import type { FieldIndex, IndexQuery } from './field-index.js';
import type { PayloadFieldSchema } from './schema.js';
import { IdBitset, insertSorted, removeSorted, unionSorted } from './sorted-ids.js';

/** Cell edge in degrees: ~28 km of latitude, so a city-sized radius touches a few cells. */
const CELL_DEGREES = 0.25;
const ROWS = Math.round(180 / CELL_DEGREES);
const COLUMNS = Math.round(360 / CELL_DEGREES);
/** Cell key of values that are not valid coordinates. */
const OUTSIDE = -1;

function row(lat: number): number {
  return Math.min(ROWS - 1, Math.max(0, Math.floor((lat + 90) / CELL_DEGREES)));
}

function column(lon: number): number {
  return Math.min(COLUMNS - 1, Math.max(0, Math.floor((lon + 180) / CELL_DEGREES)));
}

function cellOf(value: unknown): number | undefined {
  const point = readGeoPoint(value);
  if (point === undefined) return undefined;
  if (point.lat < -90 || point.lat > 90 || point.lon < -180 || point.lon > 180) return OUTSIDE;
  return row(point.lat) * COLUMNS + column(point.lon);
}

export class GeoIndex implements FieldIndex {
  private readonly cells = new Map<number, number[]>();
  private readonly points = new IdBitset();

  constructor(readonly schema: PayloadFieldSchema) {}

  get pointCount(): number {
    return this.points.size;
  }

  private cellsOf(values: readonly unknown[]): Set<number> {
    const cells = new Set<number>();
    for (const value of values) {
      const cell = cellOf(value);
      if (cell !== undefined) cells.add(cell);
    }
    return cells;
  }

  add(id: InternalId, values: readonly unknown[]): void {
    const cells = this.cellsOf(values);
    for (const cell of cells) {
      let list = this.cells.get(cell);
      if (list === undefined) {
        list = [];
        this.cells.set(cell, list);
      }
      insertSorted(list, id);
    }
    if (cells.size > 0) this.points.add(id);
  }

  remove(id: InternalId, values: readonly unknown[]): void {
    const cells = this.cellsOf(values);
    for (const cell of cells) {
      const list = this.cells.get(cell);
      if (list !== undefined && removeSorted(list, id) && list.length === 0) this.cells.delete(cell);
    }
    if (cells.size > 0) this.points.delete(id);
  }

  query(test: FieldTest): IndexQuery | undefined {
    let rect: GeoRect;
    if (test.type === 'geo_radius') rect = radiusBounds(test.center, test.radius);
    else if (test.type === 'geo_bounding_box') rect = boundingBoxBounds(test.topLeft, test.bottomRight);
    else if (test.type === 'geo_polygon') rect = polygonBounds(test.exterior);
    else return undefined;
    const lists = this.listsIn(rect);
    const outside = this.cells.get(OUTSIDE);
    if (outside !== undefined) lists.push(outside);
    let sum = 0;
    for (const list of lists) sum += list.length;
    const max = Math.min(sum, this.pointCount);
    return {
      // Cells overhang the rectangle (and the rectangle the shape), so nothing is sure.
      estimate: { min: 0, expected: max * this.coverage(rect), max },
      ids: () => (lists.length === 0 ? new Uint32Array(0) : unionSorted(lists)),
    };
  }

  save(): unknown {
    return { type: 'geo', cellDegrees: CELL_DEGREES, cells: [...this.cells] };
  }

  /** Posting lists of the cells that intersect `rect` (which may wrap across ±180). */
  private listsIn(rect: GeoRect): number[][] {
    const rowFrom = row(rect.minLat);
    const rowTo = row(rect.maxLat);
    const columnSpans: [number, number][] =
      rect.minLon <= rect.maxLon
        ? [[column(rect.minLon), column(rect.maxLon)]]
        : [[column(rect.minLon), COLUMNS - 1], [0, column(rect.maxLon)]];
    let cellCount = 0;
    for (const [from, to] of columnSpans) cellCount += (rowTo - rowFrom + 1) * (to - from + 1);
    const lists: number[][] = [];
    if (cellCount > this.cells.size) {
      // A large area: walking the occupied cells is cheaper than probing every grid cell.
      for (const [cell, list] of this.cells) {
        if (cell === OUTSIDE) continue;
        const cellRow = Math.floor(cell / COLUMNS);
        const cellColumn = cell % COLUMNS;
        if (cellRow < rowFrom || cellRow > rowTo) continue;
        if (columnSpans.some(([from, to]) => cellColumn >= from && cellColumn <= to)) lists.push(list);
      }
      return lists;
    }
    for (let r = rowFrom; r <= rowTo; r++) {
      for (const [from, to] of columnSpans) {
        for (let c = from; c <= to; c++) {
          const list = this.cells.get(r * COLUMNS + c);
          if (list !== undefined) lists.push(list);
        }
      }
    }
    return lists;
  }

  /** The share of the touched cells' area that `rect` covers (in degree², a rough guide). */
  private coverage(rect: GeoRect): number {
    if (rect === WHOLE_EARTH) return 1;
    const height = Math.max(0, rect.maxLat - rect.minLat);
    const width = rect.minLon <= rect.maxLon ? rect.maxLon - rect.minLon : 360 - (rect.minLon - rect.maxLon);
    const cellsHeight = (row(rect.maxLat) - row(rect.minLat) + 1) * CELL_DEGREES;
    const cellsWidth = rect.minLon <= rect.maxLon
      ? (column(rect.maxLon) - column(rect.minLon) + 1) * CELL_DEGREES
      : (COLUMNS - column(rect.minLon) + column(rect.maxLon) + 1) * CELL_DEGREES;
    return Math.min(1, (height * width) / (cellsHeight * cellsWidth));
  }
}
