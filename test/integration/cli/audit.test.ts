// `ruvector serve` writes the audit trail under <data-dir>/audit (HMAC-keyed from the secrets
// provider), makes every event durable on SIGTERM, and `ruvector audit verify|export` read it.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { once } from 'node:events';
import { randomBytes } from 'node:crypto';
import { join } from 'node:path';
import { runCli, spawnCli, tempDir } from './cli-runner.js';

test('serve records writes and flushes them on SIGTERM; audit verify/export read the log', async (t) => {
  const dir = tempDir(t);
  const key = randomBytes(32).toString('base64');
  const env = {
    // Neither batch trigger fires during the test: only the shutdown makes the events durable.
    RUVECTOR__AUDIT__FSYNC_BATCH_COUNT: '100000',
    RUVECTOR__AUDIT__FSYNC_INTERVAL_MS: '60000',
    RUVECTOR__AUDIT__HMAC_KEY_SECRET: 'audit_hmac_key',
    RUVECTOR_AUDIT_HMAC_KEY: key,
  };
  const child = spawnCli(['serve', '--port', '0', '--no-auth', '--data-dir', dir], { env });
  t.after(() => { if (child.exitCode === null) child.kill('SIGKILL'); });
  let out = '';
  let err = '';
  child.stderr?.on('data', (chunk: Buffer) => { err += chunk.toString(); });
  const url = await new Promise<string>((resolve, reject) => {
    child.stdout?.on('data', (chunk: Buffer) => {
      out += chunk.toString();
      const match = /"url":"(http:\/\/[^"]+)".*"msg":"ruvector is ready"/.exec(out);
      if (match !== null) resolve(match[1]);
    });
    child.once('exit', (code) => reject(new Error(`serve exited with ${code}:\n${err}`)));
    setTimeout(() => reject(new Error(`serve not ready after 30 s:\n${out}\n${err}`)), 30_000).unref();
  });
  for (const name of ['a', 'b', 'c']) {
    // A loaded test machine can make the server shed load (503, retryable): retry as a client would.
    let response: Response;
    let attempts = 0;
    do {
      if (attempts > 0) await new Promise((r) => setTimeout(r, 200));
      response = await fetch(`${url}/collections/${name}`, { method: 'PUT', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ vectors: { size: 2, distance: 'Dot' } }) });
      attempts += 1;
    } while (response.status === 503 && attempts < 50 && (await response.arrayBuffer(), true));
    assert.equal(response.status, 200, await response.text());
  }
  const exited = once(child, 'exit');
  child.kill('SIGTERM');
  assert.equal((await exited)[0], 0, err);

  const auditDir = join(dir, 'audit');
  const verified = await runCli(['audit', 'verify', auditDir, '--hmac-key-env', 'AUDIT_KEY'], { env: { AUDIT_KEY: key } });
  assert.equal(verified.code, 0, verified.stderr);
  // Refused (503) attempts are audited too; the three creates succeeded.
  assert.match(verified.stdout, /audit log intact: \d+ entries .*HMAC-keyed/);
  // The default directory and the key come from the same config the server used.
  const byConfig = await runCli(['audit', 'verify', '--data-dir', dir], { env });
  assert.equal(byConfig.code, 0, byConfig.stderr);
  // Without the key the HMAC chain does not verify.
  const keyless = await runCli(['audit', 'verify', auditDir]);
  assert.equal(keyless.code, 7);
  assert.match(keyless.stderr, /audit-00000001-\d{8}\.jsonl:1: modified/);

  const exported = await runCli(['audit', 'export', auditDir, '--since', new Date(Date.now() - 3_600_000).toISOString()]);
  assert.equal(exported.code, 0, exported.stderr);
  const created = exported.stdout.trim().split('\n').map((line) => JSON.parse(line) as { resource: string; result: string }).filter((e) => e.result === 'success');
  assert.deepEqual(created.map((e) => e.resource), ['collection/a', 'collection/b', 'collection/c']);

  const bad = await runCli(['audit', 'export', auditDir, '--since', 'last tuesday']);
  assert.equal(bad.code, 2);
  assert.match(bad.stderr, /--since must be an ISO 8601 time/);
});
