/**
 * `ruvector keys create|list|revoke|rotate|rotate-master`: API keys and service accounts.
 * With `--data-dir` the data directory's key store is changed directly (a running server
 * notices within a second); otherwise the running server's `/admin/keys` API is used.
 * `create` and `rotate` print the new key alone on stdout (shown once), details on stderr.
 */
import { join } from 'node:path';
import { RvError } from '../../errors.js';
import { parseDuration } from '../../security/keys/duration.js';
import { KeyStore, type KeyView } from '../../security/keys/key-store.js';
import { RoleRegistry } from '../../security/rbac/role-registry.js';
import { AUTH_DIR } from '../../security/security-context.js';
import { parseCommandArgs, required } from '../args.js';
import type { CliIo } from '../io.js';
import { HttpTarget } from '../target/http-target.js';
import { API_KEY_ENV, DEFAULT_URL } from '../target/open-target.js';
import type { Command } from './command.js';

const HELP = `Usage:
  ruvector keys create --role ROLE [--name NAME] [--collections 'docs*,logs'] [--expires 90d]
  ruvector keys list
  ruvector keys revoke ID
  ruvector keys rotate ID [--overlap 24h]
  ruvector keys rotate-master          (re-read the master key, re-seal data: server only)

Where:
  --url URL          a running server (default ${DEFAULT_URL})
  --api-key KEY      an admin key of it (default: $${API_KEY_ENV})
  --data-dir DIR     change the key store of a data directory directly

Roles: reader, writer, admin, monitor, or a custom role (/admin/roles).
create and rotate print the new key on stdout; it is shown only once.`;

const OPTIONS = {
  url: { type: 'string' },
  'api-key': { type: 'string' },
  'data-dir': { type: 'string' },
  role: { type: 'string' },
  name: { type: 'string' },
  collections: { type: 'string' },
  expires: { type: 'string' },
  overlap: { type: 'string' },
} as const;

interface KeyAdmin {
  create(body: { name: string; roles: string[]; collections?: string[]; expires?: string }): Promise<KeyView & { key: string }>;
  list(): Promise<KeyView[]>;
  revoke(id: string): Promise<void>;
  rotate(id: string, overlap: string): Promise<KeyView & { key: string }>;
}

async function localAdmin(dataDir: string): Promise<KeyAdmin> {
  const roles = await RoleRegistry.open({ file: join(dataDir, AUTH_DIR, 'roles.json') });
  const store = await KeyStore.open({ file: join(dataDir, AUTH_DIR, 'keys.json'), roleExists: (name) => roles.has(name) });
  return {
    create: async (body) => {
      const { key, record } = await store.create({ name: body.name, roles: body.roles, ...(body.collections === undefined ? {} : { collections: body.collections }), ...(body.expires === undefined ? {} : { expiresInMs: parseDuration(body.expires, 'expires') }) });
      return { ...record, key };
    },
    list: async () => store.list(),
    revoke: async (id) => {
      if (!await store.revoke(id)) throw new RvError('RV_KEY_NOT_FOUND', `no API key with id ${id}`, { details: { field: 'id' } });
    },
    rotate: async (id, overlap) => {
      const { key, record } = await store.rotate(id, parseDuration(overlap, 'overlap'));
      return { ...record, key };
    },
  };
}

function remoteAdmin(target: HttpTarget): KeyAdmin {
  return {
    create: async (body) => (await target.call('POST', '/admin/keys', body)) as KeyView & { key: string },
    list: async () => ((await target.call('GET', '/admin/keys')) as { keys: KeyView[] }).keys,
    revoke: async (id) => { await target.call('DELETE', `/admin/keys/${encodeURIComponent(id)}`); },
    rotate: async (id, overlap) => (await target.call('POST', `/admin/keys/${encodeURIComponent(id)}/rotate`, { overlap })) as KeyView & { key: string },
  };
}

function describe(view: KeyView): string {
  const scope = view.collections === undefined ? '' : ` collections=${view.collections.join(',')}`;
  const expiry = view.expires_at === undefined ? '' : ` expires=${view.expires_at}`;
  return `${view.id}  ${view.status.padEnd(7)}  ${view.name}  roles=${view.roles.join(',')}${scope}${expiry}`;
}

function idArgument(action: string, positionals: string[]): string {
  const id = positionals[1];
  if (id === undefined || positionals.length > 2) throw new RvError('RV_INVALID_ARGUMENT', `keys ${action}: expected exactly one key ID (see: ruvector keys list)`);
  return id;
}

async function run(args: string[], io: CliIo): Promise<void> {
  const { values, positionals } = parseCommandArgs('keys', args, OPTIONS);
  const action = positionals[0];
  const actions = ['create', 'list', 'revoke', 'rotate', 'rotate-master'];
  if (action === undefined || !actions.includes(action)) {
    throw new RvError('RV_INVALID_ARGUMENT', `keys: expected ${actions.join(', ')}${action === undefined ? '' : `, got ${JSON.stringify(action)}`} (see: ruvector keys --help)`);
  }
  if (values['data-dir'] !== undefined && values.url !== undefined) throw new RvError('RV_INVALID_ARGUMENT', 'pass either --url or --data-dir, not both', { details: { field: 'data-dir' } });
  // Validate every argument before touching the store or the server.
  const collections = values.collections?.split(',').map((c) => c.trim()).filter((c) => c.length > 0);
  if (values.expires !== undefined) parseDuration(values.expires, 'expires');
  const overlap = values.overlap ?? '24h';
  parseDuration(overlap, 'overlap');
  const role = action === 'create' ? required('keys create', 'role', values.role) : undefined;
  const id = action === 'revoke' || action === 'rotate' ? idArgument(action, positionals) : undefined;

  const remote = values['data-dir'] === undefined ? new HttpTarget({ url: values.url ?? DEFAULT_URL, ...(values['api-key'] ?? io.env[API_KEY_ENV] ? { apiKey: values['api-key'] ?? io.env[API_KEY_ENV] } : {}) }) : undefined;
  if (action === 'rotate-master') {
    if (remote === undefined) throw new RvError('RV_INVALID_ARGUMENT', 'keys rotate-master re-seals live data: run it against the server (--url), not --data-dir', { details: { field: 'data-dir' } });
    const started = (await remote.call('POST', '/admin/encryption/rotate', {})) as { rotated?: boolean; previousKeyId?: string; currentKeyId?: string };
    io.stderr.write(`master key ${started.rotated === true ? `rotated ${started.previousKeyId} → ${started.currentKeyId}` : `unchanged (${started.currentKeyId}); re-running the re-seal`}\n`);
    // Follow the re-seal job until it ends: older data moves to the new key in the background.
    for (;;) {
      const status = (await remote.call('GET', '/admin/encryption/status')) as { reseal?: { state: string; done: number; total: number }; retiredKeyIds?: string[] };
      const reseal = status.reseal;
      if (reseal === undefined || reseal.state !== 'running') {
        io.stdout.write(`${JSON.stringify(status, null, 2)}\n`);
        if (reseal !== undefined && reseal.state !== 'done' && reseal.state !== 'idle') throw new RvError('RV_INTERNAL', `re-seal ended in state ${reseal.state}; see the server log and GET /admin/encryption/status`);
        return;
      }
      io.stderr.write(`re-sealing: ${reseal.done}/${reseal.total}\n`);
      await new Promise((resolve) => setTimeout(resolve, 1000));
    }
  }
  const admin = remote === undefined ? await localAdmin(values['data-dir']!) : remoteAdmin(remote);
  switch (action) {
    case 'create': {
      const created = await admin.create({ name: values.name ?? `${role}-${new Date().toISOString().slice(0, 10)}`, roles: [role!], ...(collections === undefined ? {} : { collections }), ...(values.expires === undefined ? {} : { expires: values.expires }) });
      io.stderr.write(`created ${describe(created)}\nThe key is shown only this once; store it now.\n`);
      io.stdout.write(`${created.key}\n`);
      return;
    }
    case 'list':
      for (const view of await admin.list()) io.stdout.write(`${describe(view)}\n`);
      return;
    case 'revoke':
      await admin.revoke(id!);
      io.stderr.write(`revoked ${id}\n`);
      return;
    case 'rotate': {
      const created = await admin.rotate(id!, overlap);
      io.stderr.write(`rotated ${id} → ${describe(created)}\nThe old key stays valid for ${overlap} (or until it expires); the new key is shown only this once.\n`);
      io.stdout.write(`${created.key}\n`);
      return;
    }
  }
}

export const keysCommand: Command = { name: 'keys', summary: 'Create, list, revoke and rotate API keys; rotate the master key', help: HELP, run };
