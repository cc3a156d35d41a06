// `ruvector serve` as a child process: config errors, the bootstrap key, the CLI over HTTP,
// HTTPS with the certificate from the secrets provider, master-key rotation, SIGTERM.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { randomBytes } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, renameSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import https from 'node:https';
import { generateDevCertificates } from '../../../src/cli/commands/certs.js';
import { parseJsonl, runCli, spawnCli, tempDir } from './cli-runner.js';

interface Served {
  child: ChildProcess;
  url: string;
  /** Everything written so far (the buffers keep filling while the test runs). */
  stdout: () => string;
  stderr: () => string;
}

/** Starts `ruvector serve --port 0 …`, registers its kill at once, resolves when it logs "ruvector is ready". */
async function serve(t: { after(fn: () => void): void }, args: string[], env: Record<string, string> = {}): Promise<Served> {
  const child = spawnCli(['serve', '--port', '0', ...args], { env });
  t.after(() => { if (child.exitCode === null) child.kill('SIGKILL'); });
  let out = '';
  let err = '';
  child.stderr?.on('data', (chunk: Buffer) => { err += chunk.toString(); });
  const url = await new Promise<string>((resolve, reject) => {
    child.stdout?.on('data', (chunk: Buffer) => {
      out += chunk.toString();
      const ready = out.split('\n').map((line) => { try { return JSON.parse(line) as { msg?: string; url?: string }; } catch { return {}; } }).find((e) => e.msg === 'ruvector is ready');
      if (ready?.url !== undefined) resolve(ready.url);
    });
    child.once('exit', (code) => reject(new Error(`serve exited with ${code} before it was ready:\n${err}`)));
    setTimeout(() => reject(new Error(`serve not ready after 30 s:\n${out}\n${err}`)), 30_000).unref();
  });
  return { child, url, stdout: () => out, stderr: () => err };
}

async function stop(served: Served): Promise<number | null> {
  const exited = once(served.child, 'exit');
  served.child.kill('SIGTERM');
  const [code] = await exited;
  return code as number | null;
}

function keyFromBox(stderr: string): string {
  const match = /^\|\s+([A-Za-z0-9_-]{43})\s+\|$/m.exec(stderr);
  assert.ok(match, `no key box on stderr:\n${stderr}`);
  return match[1];
}

test('invalid configuration stops serve before anything starts: exit 2 naming key and source', async (t) => {
  const dir = tempDir(t);
  const [noAuth, env] = await Promise.all([
    runCli(['serve', '--no-auth', '--host', '0.0.0.0', '--data-dir', dir]),
    runCli(['serve', '--data-dir', dir], { env: { RUVECTOR__SERVICE__PORT: 'abc', RUVECTOR__STORAGE__DURABLE: 'yes' } }),
  ]);
  assert.equal(noAuth.code, 2);
  assert.match(noAuth.stderr, /service\.auth_disabled \(flag --no-auth\): authentication may be disabled only on a loopback host .*"0\.0\.0\.0" \(flag --host\)/);
  assert.equal(env.code, 2);
  assert.match(env.stderr, /service\.port \(env RUVECTOR__SERVICE__PORT\): must be an integer from 0 to 65535, got "abc"/);
  assert.match(env.stderr, /storage\.durable \(env RUVECTOR__STORAGE__DURABLE\): unknown key/);
  assert.equal(existsSync(join(dir, 'collections')), false, 'nothing was created');
});

test('first start: a bootstrap key shown once, stored as a hash; the CLI works over HTTP; SIGTERM exits 0', async (t) => {
  const dir = tempDir(t);
  const readOnly = 'reader-key-0123456789abcdef';
  const served = await serve(t, ['--data-dir', join(dir, 'data')], { RUVECTOR__SERVICE__READ_ONLY_API_KEY: readOnly });
  const key = keyFromBox(served.stderr());

  // The effective configuration is logged once, with secrets redacted.
  const configLines = served.stdout().split('\n').filter((line) => line.includes('"effective configuration"'));
  assert.equal(configLines.length, 1);
  assert.match(configLines[0], /"read_only_api_key":"\*\*\*"/);
  assert.doesNotMatch(served.stdout(), new RegExp(`${readOnly}|${key}`));

  // Only the hash is on disk, owner-only.
  const keyFile = join(dir, 'data', '.auth', 'bootstrap-key.json');
  assert.equal(statSync(keyFile).mode & 0o777, 0o600);
  assert.equal(statSync(join(dir, 'data', '.auth')).mode & 0o777, 0o700);
  assert.doesNotMatch(readFileSync(keyFile, 'utf8'), new RegExp(key));

  const withKey = ['--url', served.url, '--api-key', key];
  assert.equal((await runCli(['collections', 'create', 'web', '--size', '3', '--distance', 'Euclid', ...withKey])).code, 0);
  const points = [{ id: 1, vector: [1, 2, 3], payload: { a: 1 } }, { id: 2, vector: [3, 2, 1], payload: { b: 'x' } }];
  writeFileSync(join(dir, 'p.jsonl'), points.map((p) => JSON.stringify(p)).join('\n'));
  const imported = await runCli(['import', '--collection', 'web', join(dir, 'p.jsonl'), '--url', served.url], { env: { RUVECTOR_API_KEY: key } });
  assert.equal(imported.code, 0, imported.stderr);

  const [exported, search, list, noKey, wrongKey, readOnlyWrite, missing] = await Promise.all([
    runCli(['export', '--collection', 'web', '-', ...withKey]),
    runCli(['search', '--collection', 'web', '--vector', '[3, 2, 1.5]', '--limit', '1', ...withKey]),
    runCli(['collections', 'list', '--url', served.url, '--api-key', readOnly]),
    runCli(['collections', 'list', '--url', served.url]),
    runCli(['collections', 'list', '--url', served.url, '--api-key', 'wrong-key-0123456789']),
    runCli(['collections', 'delete', 'web', '--url', served.url, '--api-key', readOnly]),
    runCli(['collections', 'info', 'nope', ...withKey]),
  ]);
  assert.deepEqual(parseJsonl(exported.stdout), parseJsonl(points.map((p) => JSON.stringify(p)).join('\n')));
  assert.deepEqual((JSON.parse(search.stdout) as { id: number }[]).map((h) => h.id), [2]);
  assert.equal(list.stdout, 'web\n');
  assert.equal(noKey.code, 5, noKey.stderr);
  assert.match(noKey.stderr, /--api-key/);
  assert.equal(wrongKey.code, 5, wrongKey.stderr);
  assert.equal(readOnlyWrite.code, 5, readOnlyWrite.stderr);
  assert.equal(missing.code, 3, missing.stderr);

  assert.equal(await stop(served), 0);
  assert.match(served.stdout(), /"msg":"shutting down: finishing in-flight requests"[\s\S]*"msg":"stopped"/);
  assert.equal((served.stderr().match(/shown only this once/g) ?? []).length, 1);
});

test('a configured api_key is used as is: no bootstrap key is generated', async (t) => {
  const dir = tempDir(t);
  const key = 'configured-admin-key-0123456789';
  const served = await serve(t, ['--data-dir', dir], { RUVECTOR__SERVICE__API_KEY: key });
  assert.doesNotMatch(served.stderr(), /shown only this once/);
  assert.equal(existsSync(join(dir, '.auth')), false);
  assert.equal((await runCli(['collections', 'list', '--url', served.url, '--api-key', key])).code, 0);
  assert.equal(await stop(served), 0);
});

test('--no-auth on loopback serves without keys', async (t) => {
  const dir = tempDir(t);
  const served = await serve(t, ['--data-dir', dir, '--no-auth']);
  assert.match(served.stdout(), /authentication is disabled/);
  assert.equal((await runCli(['collections', 'create', 'c', '--size', '2', '--distance', 'Dot', '--url', served.url])).code, 0);
  assert.equal(await stop(served), 0);
});

test('a restart verifies the stored bootstrap key hash and prints no new key', async (t) => {
  const dir = tempDir(t);
  const first = await serve(t, ['--data-dir', dir]);
  const key = keyFromBox(first.stderr());
  assert.equal(await stop(first), 0);
  const second = await serve(t, ['--data-dir', dir]);
  assert.doesNotMatch(second.stderr(), /shown only this once/);
  assert.equal((await runCli(['collections', 'list', '--url', second.url, '--api-key', key])).code, 0);
  assert.equal((await runCli(['collections', 'list', '--url', second.url, '--api-key', 'not-the-key-0123456789'])).code, 5);
  assert.equal(await stop(second), 0);
});

test('HTTPS with the certificate and key from the env secrets provider ([tls] cert_secret / key_secret)', async (t) => {
  const dir = tempDir(t);
  const pki = join(dir, 'pki');
  await generateDevCertificates(pki, { hosts: ['localhost', '127.0.0.1'], days: 2, clientName: 'unused' });
  const key = 'configured-admin-key-0123456789';
  const served = await serve(t, ['--data-dir', join(dir, 'data')], {
    RUVECTOR__SERVICE__API_KEY: key,
    RUVECTOR__TLS__CERT_SECRET: 'https_cert',
    RUVECTOR__TLS__KEY_SECRET: 'https_key',
    RUVECTOR_HTTPS_CERT: readFileSync(join(pki, 'server.pem'), 'utf8'),
    RUVECTOR_HTTPS_KEY: readFileSync(join(pki, 'server-key.pem'), 'utf8'),
  });
  assert.match(served.url, /^https:/);
  const status = await new Promise<number>((resolve, reject) => {
    https.get(`${served.url}/collections`, { ca: readFileSync(join(pki, 'ca.pem')), servername: 'localhost', headers: { 'api-key': key } }, (res) => { res.resume(); resolve(res.statusCode ?? 0); }).on('error', reject);
  });
  assert.equal(status, 200);
  assert.doesNotMatch(served.stdout() + served.stderr(), /PRIVATE KEY/, 'the key is never logged');
  assert.equal(await stop(served), 0);
});

test('ruvector keys rotate-master against an encrypted server: new master key from file secrets, data re-sealed, still readable after a restart', async (t) => {
  const dir = tempDir(t);
  const secrets = join(dir, 'secrets');
  mkdirSync(secrets, { mode: 0o700 });
  const putSecret = (name: string, value: string): void => {
    writeFileSync(join(secrets, `${name}.tmp`), value, { mode: 0o600 });
    renameSync(join(secrets, `${name}.tmp`), join(secrets, name));
  };
  const keyA = randomBytes(32).toString('base64');
  const keyB = randomBytes(32).toString('base64');
  putSecret('master_key', keyA);
  const apiKey = 'configured-admin-key-0123456789';
  const env = { RUVECTOR__SERVICE__API_KEY: apiKey, RUVECTOR__STORAGE__ENCRYPTION: 'true', RUVECTOR__SECRETS__PROVIDER: 'file', RUVECTOR__SECRETS__FILE_DIR: secrets };
  const data = join(dir, 'data');
  let served = await serve(t, ['--data-dir', data], env);
  const cli = (args: string[]) => runCli([...args, '--url', served.url, '--api-key', apiKey]);
  assert.equal((await cli(['collections', 'create', 'sealed', '--size', '2', '--distance', 'Dot'])).code, 0);
  const points = Array.from({ length: 50 }, (_, i) => ({ id: i + 1, vector: [i, 1], payload: { n: i } }));
  const upsert = await fetch(`${served.url}/collections/sealed/points?wait=true`, { method: 'PUT', headers: { 'api-key': apiKey, 'content-type': 'application/json' }, body: JSON.stringify({ points }) });
  assert.equal(upsert.status, 200);

  // Rotation: the new key in master_key, the old one kept as master_key_previous until the re-seal ends.
  putSecret('master_key_previous', keyA);
  putSecret('master_key', keyB);
  const rotated = await cli(['keys', 'rotate-master']);
  assert.equal(rotated.code, 0, rotated.stderr);
  assert.match(rotated.stderr, /master key rotated (\S+) → (\S+)/);
  const status = JSON.parse(rotated.stdout) as { currentKeyId: string; reseal?: { state: string; done: number; total: number } };
  assert.equal(status.reseal?.state, 'done');
  assert.ok((status.reseal?.total ?? 0) > 0, 'sealed rows were re-sealed');
  assert.equal(await stop(served), 0);

  // With only the new key, a restart reads everything.
  rmSync(join(secrets, 'master_key_previous'));
  served = await serve(t, ['--data-dir', data], env);
  const count = await fetch(`${served.url}/collections/sealed/points/count`, { method: 'POST', headers: { 'api-key': apiKey, 'content-type': 'application/json' }, body: '{}' });
  assert.deepEqual(((await count.json()) as { result: unknown }).result, { count: 50 });
  assert.equal(await stop(served), 0);
});
