/** `ruvector export --collection C FILE`: every point as JSONL (id, vector, payload), in id order. */
import { createWriteStream } from 'node:fs';
import { rename, rm } from 'node:fs/promises';
import { once } from 'node:events';
import { finished } from 'node:stream/promises';
import { RvError } from '../../errors.js';
import type { PointId } from '../../core/types.js';
import { integerOption, parseCommandArgs, required } from '../args.js';
import type { CliIo } from '../io.js';
import { Progress } from '../progress.js';
import { openTarget, TARGET_HELP, TARGET_OPTIONS } from '../target/open-target.js';
import type { Command } from './command.js';

const DEFAULT_PAGE = 1000;

const HELP = `Usage:
  ruvector export --collection C FILE [--page-size N]

Writes every point of the collection to FILE (or - for stdout) as JSON Lines
{"id": ..., "vector": [...], "payload": {...}}, in id order, paging with scroll; the output
can be imported again with \`ruvector import\`. Points written while the export runs may
or may not be included.

${TARGET_HELP}`;

const OPTIONS = {
  ...TARGET_OPTIONS,
  collection: { type: 'string' },
  'page-size': { type: 'string' },
} as const;

async function run(args: string[], io: CliIo): Promise<void> {
  const { values, positionals } = parseCommandArgs('export', args, OPTIONS);
  const collection = required('export', 'collection', values.collection);
  if (positionals.length !== 1) throw new RvError('RV_INVALID_ARGUMENT', 'export: expected exactly one FILE, or - for stdout (see: ruvector export --help)');
  const file = positionals[0];
  const pageSize = integerOption('page-size', values['page-size'], DEFAULT_PAGE, 1, 10_000);

  const target = await openTarget(values, io);
  try {
    const total = await target.count(collection);
    const toStdout = file === '-';
    // Written beside FILE and renamed at the end, so a failed export leaves no truncated FILE.
    const partial = `${file}.partial`;
    const out = toStdout ? io.stdout : createWriteStream(partial, { flags: 'w' });
    const progress = new Progress({ label: 'export', unit: 'points', stream: io.stderr });
    let exported = 0;
    let offset: PointId | undefined;
    try {
      do {
        const page = await target.scroll(collection, { offset, limit: pageSize });
        const text = page.points.map((p) => JSON.stringify({ id: p.id, vector: p.vector, payload: p.payload ?? null })).join('\n');
        if (text.length > 0 && !out.write(`${text}\n`)) await once(out, 'drain');
        exported += page.points.length;
        progress.update(exported, total > 0 ? exported / total : undefined);
        offset = page.next_page_offset ?? undefined;
      } while (offset !== undefined);
      if (!toStdout) {
        out.end();
        await finished(out);
        await rename(partial, file);
      }
    } catch (error) {
      if (!toStdout) {
        out.end();
        await rm(partial, { force: true });
      }
      throw error;
    }
    progress.finish(exported);
    if (!toStdout) io.stdout.write(`exported ${exported} points from ${collection} to ${file}\n`);
  } finally {
    await target.close();
  }
}

/** `ruvector export`; see HELP above for usage. */
export const exportCommand: Command = { name: 'export', summary: 'write every point of a collection as JSONL', help: HELP, run };
