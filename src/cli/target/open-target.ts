/** Chooses the Target from the common flags: `--data-dir DIR` opens it locally, else `--url` (+ `--api-key`). */
import { RvError } from '../../errors.js';
import type { CliIo } from '../io.js';
import type { Target } from './target.js';

export const DEFAULT_URL = 'http://127.0.0.1:6333';

/** The env variable the CLI reads an API key from when `--api-key` is not given (keeps it out of `ps`). */
export const API_KEY_ENV = 'RUVECTOR_API_KEY';

/** The flags every data command accepts, for parseCommandArgs. */
export const TARGET_OPTIONS = {
  url: { type: 'string' },
  'api-key': { type: 'string' },
  'data-dir': { type: 'string' },
} as const;

export const TARGET_HELP = `Where:
  --url URL          a running server (default ${DEFAULT_URL})
  --api-key KEY      its API key (default: $${API_KEY_ENV})
  --data-dir DIR     open a data directory directly instead (no server may be using it)`;

/**
 * The Target the flags name; validates `--url` before anything is contacted.
 * @example
 *   const target = await openTarget({ url: 'http://127.0.0.1:6333', 'api-key': key }, io);
 */
export async function openTarget(values: { url?: string; 'api-key'?: string; 'data-dir'?: string }, io: CliIo): Promise<Target> {
  if (values['data-dir'] !== undefined) {
    if (values.url !== undefined) throw new RvError('RV_INVALID_ARGUMENT', 'pass either --url or --data-dir, not both', { details: { field: 'data-dir' } });
    // Loaded on demand: talking to a server never loads the engine (SQLite, WASM), and back.
    const { LocalTarget } = await import('./local-target.js');
    return LocalTarget.open(values['data-dir']);
  }
  const url = values.url ?? DEFAULT_URL;
  try {
    const parsed = new URL(url);
    if (parsed.protocol !== 'http:' && parsed.protocol !== 'https:') throw new Error('not http(s)');
  } catch (cause) {
    throw new RvError('RV_INVALID_ARGUMENT', `--url must be an http(s) URL, got ${JSON.stringify(url)}`, { cause, details: { field: 'url' } });
  }
  const apiKey = values['api-key'] ?? (io.env[API_KEY_ENV] || undefined);
  const { HttpTarget } = await import('./http-target.js');
  return new HttpTarget({ url, apiKey });
}
