/** `ruvector import --collection C FILE`: JSONL points, .npy or CSV vectors, upserted in batches. */
import { isRvError, RvError } from '../../errors.js';
import { integerOption, parseCommandArgs, required } from '../args.js';
import { formatOf, openPointSource } from '../formats/open-source.js';
import type { SourcedPoint } from '../formats/point-source.js';
import type { CliIo } from '../io.js';
import { Progress } from '../progress.js';
import { openTarget, TARGET_HELP, TARGET_OPTIONS } from '../target/open-target.js';
import type { Target } from '../target/target.js';
import type { Command } from './command.js';

const DEFAULT_BATCH = 500;

const HELP = `Usage:
  ruvector import --collection C FILE [--format jsonl|npy|csv] [--batch-size N]

Upserts the points of FILE into an existing collection, ${DEFAULT_BATCH} per request, each
applied before the next is sent (wait=true). Formats, by extension unless --format is given:
  .jsonl, .ndjson   one point per line: {"id": 1, "vector": [0.1, ...], "payload": {...}}
  .npy              a 2-D float32 or float64 array; row i gets id i
  .csv              one vector per row; an optional header row (an "id" column gives the ids,
                    otherwise the first data row gets id 0)
Progress goes to stderr: a bar with rate and ETA on a terminal, a line every 5 s otherwise.
A bad entry stops the import, naming its line; the batches before it stay imported.

${TARGET_HELP}`;

const OPTIONS = {
  ...TARGET_OPTIONS,
  collection: { type: 'string' },
  format: { type: 'string' },
  'batch-size': { type: 'string' },
} as const;

/** Points a batch error at the input line: `points[3]` of a batch is the batch's fourth entry. */
function locate(error: unknown, batch: SourcedPoint[], imported: number): unknown {
  if (!isRvError(error)) return error;
  const index = /points\[(\d+)\]/.exec(error.message)?.[1];
  const entry = index === undefined ? undefined : batch[Number(index)];
  const where = entry === undefined ? `the batch starting at ${batch[0]?.position ?? '?'}` : entry.position;
  // Keep the error's class and kind (its exit code); only add where in the file it happened.
  error.message = `${where}: ${error.message} (${imported} points imported before it)`;
  return error;
}

async function importAll(target: Target, collection: string, points: AsyncGenerator<SourcedPoint>, batchSize: number, onBatch: (imported: number) => void): Promise<number> {
  let imported = 0;
  let batch: SourcedPoint[] = [];
  const send = async (): Promise<void> => {
    try {
      await target.upsert(collection, batch.map((entry) => entry.point));
    } catch (error) {
      throw locate(error, batch, imported);
    }
    imported += batch.length;
    batch = [];
    onBatch(imported);
  };
  for await (const entry of points) {
    batch.push(entry);
    if (batch.length === batchSize) await send();
  }
  if (batch.length > 0) await send();
  return imported;
}

async function run(args: string[], io: CliIo): Promise<void> {
  const { values, positionals } = parseCommandArgs('import', args, OPTIONS);
  const collection = required('import', 'collection', values.collection);
  if (positionals.length !== 1) throw new RvError('RV_INVALID_ARGUMENT', 'import: expected exactly one FILE (see: ruvector import --help)');
  const file = positionals[0];
  const batchSize = integerOption('batch-size', values['batch-size'], DEFAULT_BATCH, 1, 100_000);
  const source = openPointSource(file, formatOf(file, values.format));

  const target = await openTarget(values, io);
  try {
    // Fail before reading the file when the collection is missing (exit code 3).
    await target.collectionInfo(collection);
    const progress = new Progress({ label: 'import', unit: 'points', stream: io.stderr });
    const fraction = (): number | undefined => (source.progress.totalBytes > 0 ? source.progress.bytesRead / source.progress.totalBytes : undefined);
    const imported = await importAll(target, collection, source.points(), batchSize, (n) => progress.update(n, fraction()));
    progress.finish(imported);
    io.stdout.write(`imported ${imported} points into ${collection}\n`);
  } finally {
    await target.close();
  }
}

/** `ruvector import`; see HELP above for usage. */
export const importCommand: Command = { name: 'import', summary: 'upsert points from a JSONL, .npy or CSV file', help: HELP, run };
