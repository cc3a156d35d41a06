/**
 * Geo predicates with Qdrant's semantics:
 * - radius: haversine great-circle distance on a sphere of the mean Earth radius
 *   (6 371 008.8 m, as the `geo` crate), strictly less than the radius;
 * - bounding box: strictly inside; a box whose `top_left.lon` is greater than its
 *   `bottom_right.lon` crosses the antimeridian;
 * - polygon: planar in (lon, lat) like the `geo` crate's `contains`: inside the exterior
 *   ring, outside every interior ring (hole), and never on a ring's boundary.
 * Payload values are geo points when they are objects with numeric `lon` and `lat`.
 */
import type { GeoPoint } from './filter-types.js';

export const EARTH_RADIUS_METERS = 6_371_008.8;

const RADIANS = Math.PI / 180;

/** Great-circle distance in meters between two points (haversine formula). */
export function haversineMeters(a: GeoPoint, b: GeoPoint): number {
  const lat1 = a.lat * RADIANS;
  const lat2 = b.lat * RADIANS;
  const sinHalfLat = Math.sin(((b.lat - a.lat) * RADIANS) / 2);
  const sinHalfLon = Math.sin(((b.lon - a.lon) * RADIANS) / 2);
  const h = sinHalfLat * sinHalfLat + Math.cos(lat1) * Math.cos(lat2) * sinHalfLon * sinHalfLon;
  return 2 * EARTH_RADIUS_METERS * Math.asin(Math.sqrt(Math.min(1, h)));
}

/** Reads a payload value as a geo point: an object with numeric `lon` and `lat`. */
export function readGeoPoint(value: unknown): GeoPoint | undefined {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) return undefined;
  const { lon, lat } = value as { lon?: unknown; lat?: unknown };
  if (typeof lon !== 'number' || typeof lat !== 'number' || !Number.isFinite(lon) || !Number.isFinite(lat)) return undefined;
  return { lon, lat };
}

/** True when `point` is strictly closer than `radiusMeters` to `center` (great-circle). */
export function inRadius(point: GeoPoint, center: GeoPoint, radiusMeters: number): boolean {
  return haversineMeters(center, point) < radiusMeters;
}

/**
 * True when `point` is strictly inside the box; `topLeft.lon > bottomRight.lon` means the
 * box crosses the antimeridian.
 * @example inBoundingBox({ lon: -179, lat: 0 }, { lon: 170, lat: 10 }, { lon: -170, lat: -10 }) // true
 */
export function inBoundingBox(point: GeoPoint, topLeft: GeoPoint, bottomRight: GeoPoint): boolean {
  const inLon =
    topLeft.lon > bottomRight.lon
      ? point.lon > topLeft.lon || point.lon < bottomRight.lon // crosses the antimeridian
      : topLeft.lon < point.lon && point.lon < bottomRight.lon;
  return inLon && bottomRight.lat < point.lat && point.lat < topLeft.lat;
}

/** True when `point` lies on the segment a–b (within floating-point exactness). */
function onSegment(point: GeoPoint, a: GeoPoint, b: GeoPoint): boolean {
  const cross = (b.lon - a.lon) * (point.lat - a.lat) - (b.lat - a.lat) * (point.lon - a.lon);
  if (cross !== 0) return false;
  return (
    Math.min(a.lon, b.lon) <= point.lon && point.lon <= Math.max(a.lon, b.lon) &&
    Math.min(a.lat, b.lat) <= point.lat && point.lat <= Math.max(a.lat, b.lat)
  );
}

/** Where `point` is relative to a closed ring: inside, outside, or on its boundary. */
function ringPosition(point: GeoPoint, ring: readonly GeoPoint[]): 'inside' | 'outside' | 'boundary' {
  let inside = false;
  for (let i = 0, j = ring.length - 1; i < ring.length; j = i++) {
    const a = ring[i];
    const b = ring[j];
    if (onSegment(point, a, b)) return 'boundary';
    // Even-odd ray casting towards +lon; the half-open test counts a vertex once.
    if (a.lat > point.lat !== b.lat > point.lat) {
      const lonAtLat = a.lon + ((point.lat - a.lat) * (b.lon - a.lon)) / (b.lat - a.lat);
      if (point.lon < lonAtLat) inside = !inside;
    }
  }
  return inside ? 'inside' : 'outside';
}

/** True when `point` is inside the exterior ring and outside every hole, boundaries excluded. */
export function inPolygon(point: GeoPoint, exterior: readonly GeoPoint[], interiors: readonly (readonly GeoPoint[])[]): boolean {
  if (ringPosition(point, exterior) !== 'inside') return false;
  for (const hole of interiors) if (ringPosition(point, hole) !== 'outside') return false;
  return true;
}

/** A lon/lat rectangle, inclusive; `minLon > maxLon` means it wraps across ±180. */
export interface GeoRect {
  readonly minLat: number;
  readonly maxLat: number;
  readonly minLon: number;
  readonly maxLon: number;
}

export const WHOLE_EARTH: GeoRect = { minLat: -90, maxLat: 90, minLon: -180, maxLon: 180 };

/**
 * A rectangle that contains every point within `radiusMeters` of `center` (used by the geo
 * index to choose grid cells; the exact distance is checked afterwards). Deliberately a
 * little larger than the true bound, and the whole band of longitudes when the circle
 * reaches a pole.
 */
export function radiusBounds(center: GeoPoint, radiusMeters: number): GeoRect {
  const angle = (radiusMeters / EARTH_RADIUS_METERS) * (1 + 1e-9) + 1e-12; // radians, padded for rounding
  if (angle >= Math.PI) return WHOLE_EARTH;
  const angleDegrees = angle / RADIANS;
  const minLat = center.lat - angleDegrees;
  const maxLat = center.lat + angleDegrees;
  if (minLat <= -90 || maxLat >= 90) return { minLat: Math.max(-90, minLat), maxLat: Math.min(90, maxLat), minLon: -180, maxLon: 180 };
  const ratio = Math.sin(angle) / Math.cos(center.lat * RADIANS);
  if (ratio >= 1) return { minLat, maxLat, minLon: -180, maxLon: 180 };
  const deltaLon = Math.asin(ratio) / RADIANS + 1e-9;
  if (deltaLon >= 180) return { minLat, maxLat, minLon: -180, maxLon: 180 };
  let minLon = center.lon - deltaLon;
  let maxLon = center.lon + deltaLon;
  if (minLon < -180) minLon += 360;
  if (maxLon > 180) maxLon -= 360;
  return { minLat, maxLat, minLon, maxLon };
}

/** The rectangle of a bounding-box condition (inclusive, which contains the strict box). */
export function boundingBoxBounds(topLeft: GeoPoint, bottomRight: GeoPoint): GeoRect {
  return { minLat: bottomRight.lat, maxLat: topLeft.lat, minLon: topLeft.lon, maxLon: bottomRight.lon };
}

/** The rectangle around a polygon's exterior ring (planar, as the containment test). */
export function polygonBounds(exterior: readonly GeoPoint[]): GeoRect {
  let minLat = Infinity;
  let maxLat = -Infinity;
  let minLon = Infinity;
  let maxLon = -Infinity;
  for (const point of exterior) {
    minLat = Math.min(minLat, point.lat);
    maxLat = Math.max(maxLat, point.lat);
    minLon = Math.min(minLon, point.lon);
    maxLon = Math.max(maxLon, point.lon);
  }
  return { minLat, maxLat, minLon, maxLon };
}
