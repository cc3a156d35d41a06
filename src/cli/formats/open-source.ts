/** Picks the import format from the file name: `.jsonl`/`.ndjson`, `.npy` or `.csv`. */
import { existsSync } from 'node:fs';
import { extname } from 'node:path';
import { RvError } from '../../errors.js';
import { csvSource } from './csv-source.js';
import { jsonlSource } from './jsonl-source.js';
import { npySource } from './npy-source.js';
import type { PointSource } from './point-source.js';

export type ImportFormat = 'jsonl' | 'npy' | 'csv';

const BY_EXTENSION: Readonly<Record<string, ImportFormat>> = { '.jsonl': 'jsonl', '.ndjson': 'jsonl', '.npy': 'npy', '.csv': 'csv' };

/** The format named by `--format`, else by the extension; an error when neither tells. */
export function formatOf(file: string, explicit?: string): ImportFormat {
  const format = explicit ?? BY_EXTENSION[extname(file).toLowerCase()];
  if (format !== 'jsonl' && format !== 'npy' && format !== 'csv') {
    throw new RvError('RV_INVALID_ARGUMENT', `cannot tell the format of ${file}: name it .jsonl, .npy or .csv, or pass --format jsonl|npy|csv`, { details: { field: 'format' } });
  }
  return format;
}

/**
 * The reader for `file` (checked to exist; read lazily as points are pulled).
 * @example
 *   for await (const { point } of openPointSource('points.jsonl', 'jsonl').points()) { ... }
 */
export function openPointSource(file: string, format: ImportFormat): PointSource {
  if (!existsSync(file)) throw new RvError('RV_INVALID_ARGUMENT', `${file} does not exist`, { details: { file } });
  switch (format) {
    case 'jsonl': return jsonlSource(file);
    case 'npy': return npySource(file);
    case 'csv': return csvSource(file);
  }
}
