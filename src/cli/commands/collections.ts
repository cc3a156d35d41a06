/** `ruvector collections list|create|info|delete`. */
import { DISTANCES, type Distance } from '../../core/types.js';
import { RvError } from '../../errors.js';
import { integerOption, parseCommandArgs, required } from '../args.js';
import type { CliIo } from '../io.js';
import { openTarget, TARGET_HELP, TARGET_OPTIONS } from '../target/open-target.js';
import type { Command } from './command.js';

const HELP = `Usage:
  ruvector collections list
  ruvector collections create NAME --size N --distance Cosine|Euclid|Dot|Manhattan
  ruvector collections info NAME
  ruvector collections delete NAME

${TARGET_HELP}

list prints one name per line; info prints Qdrant's CollectionInfo as JSON.`;

const OPTIONS = {
  ...TARGET_OPTIONS,
  size: { type: 'string' },
  distance: { type: 'string' },
} as const;

/** Accepts Qdrant's spelling in any case: `cosine` → `Cosine`. */
function parseDistance(value: string): Distance {
  const match = DISTANCES.find((d) => d.toLowerCase() === value.toLowerCase());
  if (match === undefined) throw new RvError('RV_INVALID_ARGUMENT', `--distance must be one of ${DISTANCES.join(', ')}, got ${JSON.stringify(value)}`, { details: { field: 'distance' } });
  return match;
}

function nameArgument(action: string, positionals: string[]): string {
  const name = positionals[1];
  if (name === undefined || positionals.length > 2) {
    throw new RvError('RV_INVALID_ARGUMENT', `collections ${action}: expected exactly one collection NAME (see: ruvector collections --help)`);
  }
  return name;
}

async function run(args: string[], io: CliIo): Promise<void> {
  const { values, positionals } = parseCommandArgs('collections', args, OPTIONS);
  const action = positionals[0];
  if (action === undefined || !['list', 'create', 'info', 'delete'].includes(action)) {
    throw new RvError('RV_INVALID_ARGUMENT', `collections: expected list, create, info or delete${action === undefined ? '' : `, got ${JSON.stringify(action)}`} (see: ruvector collections --help)`);
  }
  // Validate every argument before touching the target.
  const name = action === 'list' ? undefined : nameArgument(action, positionals);
  if (action === 'list' && positionals.length > 1) throw new RvError('RV_INVALID_ARGUMENT', 'collections list takes no NAME');
  const createBody = action === 'create'
    ? { vectors: { size: integerOption('size', required('collections create', 'size', values.size), 0, 1, 65536), distance: parseDistance(required('collections create', 'distance', values.distance)) } }
    : undefined;

  const target = await openTarget(values, io);
  try {
    switch (action) {
      case 'list':
        for (const collection of await target.listCollections()) io.stdout.write(`${collection}\n`);
        break;
      case 'create':
        await target.createCollection(name as string, createBody as Record<string, unknown>);
        io.stdout.write(`created collection ${name}\n`);
        break;
      case 'info':
        io.stdout.write(`${JSON.stringify(await target.collectionInfo(name as string), null, 2)}\n`);
        break;
      case 'delete':
        await target.deleteCollection(name as string);
        io.stdout.write(`deleted collection ${name}\n`);
        break;
    }
  } finally {
    await target.close();
  }
}

/** `ruvector collections`; see HELP above for usage. */
export const collectionsCommand: Command = { name: 'collections', summary: 'list, create, inspect or delete collections', help: HELP, run };
