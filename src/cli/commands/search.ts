/** `ruvector search --collection C --vector '[...]' [--limit N] [--filter JSON]`. */
import { RvError } from '../../errors.js';
import { integerOption, jsonOption, parseCommandArgs, required } from '../args.js';
import type { CliIo } from '../io.js';
import { openTarget, TARGET_HELP, TARGET_OPTIONS } from '../target/open-target.js';
import type { Command } from './command.js';

const HELP = `Usage:
  ruvector search --collection C --vector '[0.1, 0.2, ...]' [--limit N] [--filter JSON] [--with-vector]

Prints the scored points (id, score, payload) as a JSON array, best first.
  --limit N          how many (default 10)
  --filter JSON      a Qdrant filter, e.g. '{"must": [{"key": "lang", "match": {"value": "en"}}]}'
  --with-vector      include the stored vectors

${TARGET_HELP}`;

const OPTIONS = {
  ...TARGET_OPTIONS,
  collection: { type: 'string' },
  vector: { type: 'string' },
  limit: { type: 'string' },
  filter: { type: 'string' },
  'with-vector': { type: 'boolean' },
} as const;

async function run(args: string[], io: CliIo): Promise<void> {
  const { values, positionals } = parseCommandArgs('search', args, OPTIONS);
  if (positionals.length > 0) throw new RvError('RV_INVALID_ARGUMENT', `search: unexpected argument ${JSON.stringify(positionals[0])} (see: ruvector search --help)`);
  const collection = required('search', 'collection', values.collection);
  const vector = jsonOption('vector', required('search', 'vector', values.vector));
  if (!Array.isArray(vector)) throw new RvError('RV_INVALID_ARGUMENT', '--vector must be a JSON array of numbers', { details: { field: 'vector' } });
  const body: Record<string, unknown> = {
    vector,
    limit: integerOption('limit', values.limit, 10, 1, 1_000_000),
    with_payload: true,
    with_vector: values['with-vector'] === true,
  };
  if (values.filter !== undefined) body.filter = jsonOption('filter', values.filter);

  const target = await openTarget(values, io);
  try {
    io.stdout.write(`${JSON.stringify(await target.search(collection, body), null, 2)}\n`);
  } finally {
    await target.close();
  }
}

/** `ruvector search`; see HELP above for usage. */
export const searchCommand: Command = { name: 'search', summary: 'nearest-neighbour search in a collection', help: HELP, run };
