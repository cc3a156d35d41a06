// `ruvector keys`: create prints only the key on stdout; the data directory's store is shared
// with a running server (which notices CLI changes); the same commands work over the admin API.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Database } from '../../../src/index.js';
import { createServer } from '../../../src/server/index.js';
import { createSecurityContext } from '../../../src/security/security-context.js';
import { runCli, runInProcess, tempDir } from './cli-runner.js';

const ADMIN = 'cli-admin-key-0123456789';

test('keys: validation before anything is touched', async () => {
  const cases: [string[], RegExp][] = [
    [['keys'], /keys: expected create, list, revoke, rotate, rotate-master/],
    [['keys', 'create', '--data-dir', '/nonexistent'], /--role is required/],
    [['keys', 'create', '--role', 'reader', '--expires', '3 months', '--data-dir', '/nonexistent'], /expires must be a duration like 90d/],
    [['keys', 'revoke', '--data-dir', '/nonexistent'], /expected exactly one key ID/],
    [['keys', 'rotate-master', '--data-dir', '/nonexistent'], /run it against the server/],
    [['keys', 'list', '--url', 'http://x', '--data-dir', '/y'], /either --url or --data-dir/],
  ];
  for (const [args, message] of cases) {
    const result = await runInProcess(args);
    assert.equal(result.code, 2, `${args.join(' ')}: ${result.stderr}`);
    assert.match(result.stderr, message);
  }
});

test('keys: create/list/rotate on the data directory, seen by a running server; revoke through its API', async (t) => {
  const dir = tempDir(t);
  const created = await runCli(['keys', 'create', '--role', 'writer', '--name', 'etl', '--collections', 'docs*', '--expires', '30d', '--data-dir', dir]);
  assert.equal(created.code, 0, created.stderr);
  const key = created.stdout.trim();
  assert.match(key, /^rvk_[0-9a-f]{16}\.[A-Za-z0-9_-]{43}$/, 'stdout holds the key alone');
  assert.match(created.stderr, /shown only this once/);
  const unknownRole = await runCli(['keys', 'create', '--role', 'root', '--data-dir', dir]);
  assert.equal(unknownRole.code, 2);
  assert.match(unknownRole.stderr, /roles\[0\] names no known role: "root"/);

  const db = await Database.open({ path: dir });
  t.after(() => db.close());
  const security = await createSecurityContext({ apiKey: ADMIN, dataDir: dir });
  const server = await createServer(db, { host: '127.0.0.1', port: 0, logger: false, version: 'test', security });
  t.after(() => server.close());
  const url = await server.listen();
  const call = (method: string, path: string, apiKey: string, body?: unknown) => fetch(`${url}${path}`, { method, headers: { 'api-key': apiKey, 'content-type': 'application/json' }, ...(body === undefined ? {} : { body: JSON.stringify(body) }) });
  assert.equal((await call('PUT', '/collections/docs-1', ADMIN, { vectors: { size: 2, distance: 'Dot' } })).status, 200);
  assert.equal((await call('PUT', '/collections/docs-1/points', key, { points: [{ id: 1, vector: [1, 0] }] })).status, 200, 'the CLI-made key writes in scope');
  assert.equal((await call('DELETE', '/collections/docs-1', key)).status, 403, 'a writer cannot delete');

  const listed = await runCli(['keys', 'list', '--data-dir', dir]);
  assert.match(listed.stdout, /active\s+etl\s+roles=writer collections=docs\* expires=/);
  assert.ok(!listed.stdout.includes(key.split('.')[1]), 'list never shows the secret');
  const id = /^([0-9a-f]{16})/.exec(listed.stdout)![1];

  // Rotate through the data directory while the server runs: it picks the new key up.
  const rotated = await runCli(['keys', 'rotate', id, '--overlap', '1h', '--data-dir', dir]);
  assert.equal(rotated.code, 0, rotated.stderr);
  const newKey = rotated.stdout.trim();
  let status = 0;
  for (let i = 0; i < 40 && status !== 200; i++) {
    await new Promise((r) => setTimeout(r, 100));
    status = (await call('GET', '/collections/docs-1', newKey)).status;
  }
  assert.equal(status, 200, 'the rotated key works on the running server');
  assert.equal((await call('GET', '/collections/docs-1', key)).status, 200, 'the old key works during the overlap');

  // Revoke through the admin API with the CLI.
  const revoked = await runCli(['keys', 'revoke', id, '--url', url], { env: { RUVECTOR_API_KEY: ADMIN } });
  assert.equal(revoked.code, 0, revoked.stderr);
  assert.equal((await call('GET', '/collections/docs-1', key)).status, 401);
  const forbidden = await runCli(['keys', 'list', '--url', url, '--api-key', newKey]);
  assert.equal(forbidden.code, 5, 'a writer key cannot list keys (exit 5: forbidden)');
});
