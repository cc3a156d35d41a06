/** JSON Lines of points: `{"id": 1, "vector": [0.1, …], "payload": {…}}` per line (blank lines skipped). */
import { statSync } from 'node:fs';
import { RvError } from '../../errors.js';
import type { PointInput } from '../target/target.js';
import type { PointSource, SourcedPoint } from './point-source.js';
import { readLines } from './read-lines.js';

const FIELDS = new Set(['id', 'vector', 'payload']);

function fail(file: string, number: number, message: string, cause?: unknown): never {
  throw new RvError('RV_IMPORT_INVALID', `${file}:${number}: ${message}`, { cause, details: { file, line: number } });
}

/** Checks the line's shape; ids, vectors and payloads are validated in full by the engine. */
function toPoint(value: unknown, file: string, number: number): PointInput {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) fail(file, number, 'expected a JSON object {"id", "vector", "payload"}');
  const record = value as Record<string, unknown>;
  const unknown = Object.keys(record).find((key) => !FIELDS.has(key));
  if (unknown !== undefined) fail(file, number, `unknown field "${unknown}" (a point has id, vector and payload)`);
  if (record.id === undefined) fail(file, number, '"id" is required');
  if (!Array.isArray(record.vector)) fail(file, number, '"vector" is required, an array of numbers');
  return { id: record.id as PointInput['id'], vector: record.vector as number[], payload: (record.payload ?? null) as PointInput['payload'] };
}

/** Reads `file` line by line; errors name `file:line`. */
export function jsonlSource(file: string): PointSource {
  const progress = { bytesRead: 0, totalBytes: statSync(file).size };
  return {
    progress,
    async *points(): AsyncGenerator<SourcedPoint> {
      for await (const { line, number } of readLines(file, progress)) {
        if (line.trim() === '') continue;
        let value: unknown;
        try {
          value = JSON.parse(line);
        } catch (cause) {
          fail(file, number, `not valid JSON (${(cause as Error).message})`, cause);
        }
        yield { point: toPoint(value, file, number), position: `line ${number}` };
      }
    },
  };
}
