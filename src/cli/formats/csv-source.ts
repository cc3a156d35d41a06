/**
 * CSV of vectors: one vector per row, comma-separated numbers. An optional header row (any
 * cell that is not a number) is skipped; when it names an `id` column, ids come from it,
 * otherwise the first data row gets id 0, the next 1, and so on.
 */
import { statSync } from 'node:fs';
import { RvError } from '../../errors.js';
import type { PointId } from '../../core/types.js';
import type { PointSource, SourcedPoint } from './point-source.js';
import { readLines } from './read-lines.js';

function cells(line: string): string[] {
  return line.split(',').map((cell) => cell.trim().replace(/^"(.*)"$/, '$1'));
}

function isNumber(cell: string): boolean {
  return cell !== '' && Number.isFinite(Number(cell));
}

function parseId(cell: string): PointId {
  return /^\d+$/.test(cell) ? Number(cell) : cell;
}

/** Reads `file` row by row; errors name `file:line`. */
export function csvSource(file: string): PointSource {
  const progress = { bytesRead: 0, totalBytes: statSync(file).size };
  const fail = (number: number, message: string): never => {
    throw new RvError('RV_IMPORT_INVALID', `${file}:${number}: ${message}`, { details: { file, line: number } });
  };
  return {
    progress,
    async *points(): AsyncGenerator<SourcedPoint> {
      let columns: number | undefined;
      let idColumn = -1;
      let nextId = 0;
      for await (const { line, number } of readLines(file, progress)) {
        if (line.trim() === '') continue;
        const row = cells(line);
        if (columns === undefined) {
          columns = row.length;
          if (!row.every(isNumber)) {
            idColumn = row.findIndex((cell) => cell.toLowerCase() === 'id');
            if (row.length - (idColumn >= 0 ? 1 : 0) === 0) fail(number, 'the header names no vector columns');
            continue;
          }
        }
        if (row.length !== columns) fail(number, `${row.length} columns, expected ${columns} as in the first row`);
        const vector: number[] = [];
        for (let i = 0; i < row.length; i++) {
          if (i === idColumn) continue;
          if (!isNumber(row[i])) fail(number, `column ${i + 1} is ${JSON.stringify(row[i])}, not a finite number`);
          vector.push(Number(row[i]));
        }
        const id = idColumn >= 0 ? parseId(row[idColumn]) : nextId++;
        yield { point: { id, vector, payload: null }, position: `line ${number}` };
      }
    },
  };
}
