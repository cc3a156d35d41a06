/**
 * NATS credentials from the secrets provider, through the composition root (startRuVector):
 * a 3-server NATS cluster that requires a user and password; the node names the password's
 * secret (`cluster.nats_password_secret`, env provider: RUVECTOR_<NAME>) and joins; a wrong or
 * missing secret stops the start. The same node shows the cluster metrics src/main.ts feeds:
 * the fan-out histogram, and the reconnect counter after its NATS server is restarted.
 */
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { mkdtemp } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { loadConfig } from '../../../src/config/index.js';
import { startRuVector, type RunningRuVector } from '../../../src/main.js';
import { createLogger } from '../../../src/observability/index.js';
import { NatsCluster, waitFor } from '../../helpers/nats-cluster.js';
import { removeDir } from './cluster-harness.js';

const SECRET_NAME = 'nats_test_password';
const SECRET_VARIABLE = 'RUVECTOR_NATS_TEST_PASSWORD';

describe('cluster: NATS user and password from the secrets provider', { timeout: 180000 }, () => {
  let nats: NatsCluster;
  const password = randomBytes(18).toString('base64url');
  const dirs: string[] = [];
  const running: RunningRuVector[] = [];

  const start = async (nodeId: string, env: Record<string, string> = {}): Promise<RunningRuVector> => {
    const dir = await mkdtemp(join(tmpdir(), `rv-nats-auth-${nodeId}-`));
    dirs.push(dir);
    const { config } = loadConfig({
      cwd: dir,
      env: {
        RUVECTOR__STORAGE__PATH: dir, RUVECTOR__SERVICE__PORT: '0', RUVECTOR__SERVICE__AUTH_DISABLED: 'true', RUVECTOR__RELIABILITY__MIN_FREE_DISK_MB: '0',
        RUVECTOR__CLUSTER__SERVERS: nats.urls.join(','), RUVECTOR__CLUSTER__NODE_ID: nodeId,
        RUVECTOR__CLUSTER__NATS_USER: 'ruvector', RUVECTOR__CLUSTER__NATS_PASSWORD_SECRET: SECRET_NAME,
        ...env,
      },
    });
    const node = await startRuVector({ config, logger: createLogger({ level: 'silent', format: 'json' }), version: 'test', adminKey: {} });
    running.push(node);
    return node;
  };

  before(async () => {
    nats = await NatsCluster.start({ authorization: { user: 'ruvector', password } });
  });

  after(async () => {
    for (const node of running) await node.close().catch(() => undefined);
    await nats?.stop();
    for (const dir of dirs) await removeDir(dir);
    delete process.env[SECRET_VARIABLE];
  });

  test('a missing or wrong password stops the start with a clear error', async () => {
    delete process.env[SECRET_VARIABLE];
    await assert.rejects(start('nosecret'), (error: Error & { code?: string }) => {
      assert.equal(error.code, 'RV_SECRET_NOT_FOUND');
      assert.match(error.message, new RegExp(SECRET_VARIABLE));
      return true;
    });
    process.env[SECRET_VARIABLE] = `${password}-wrong`;
    await assert.rejects(start('wrongsecret'), (error: Error & { code?: string }) => {
      assert.equal(error.code, 'RV_CLUSTER_UNAVAILABLE');
      assert.doesNotMatch(error.message, new RegExp(password), 'the password is never in the message');
      return true;
    });
  });

  test('the right password: the node joins and serves; fan-out and reconnect metrics reach /metrics', async () => {
    process.env[SECRET_VARIABLE] = password;
    const node = await start('authed');
    const call = async (method: string, path: string, body?: unknown): Promise<{ status: number; body: { result?: unknown } }> => {
      const response = await fetch(new URL(path, node.url), { method, headers: { 'content-type': 'application/json' }, ...(body === undefined ? {} : { body: JSON.stringify(body) }) });
      return { status: response.status, body: await response.json() as { result?: unknown } };
    };
    assert.equal((await call('PUT', '/collections/auth', { vectors: { size: 2, distance: 'Dot' }, shard_number: 2, replication_factor: 1 })).status, 200);
    assert.equal((await call('PUT', '/collections/auth/points?wait=true', { points: [{ id: 1, vector: [1, 0] }, { id: 2, vector: [0, 1] }] })).status, 200);
    const hits = await call('POST', '/collections/auth/points/search', { vector: [1, 0], limit: 1 });
    assert.equal(hits.status, 200, JSON.stringify(hits.body));
    assert.equal((hits.body.result as { id: number }[])[0].id, 1);
    const metrics = async (): Promise<string> => (await fetch(new URL('/metrics', node.url))).text();
    assert.match(await metrics(), /^ruvector_cluster_fanout_duration_seconds_count\{op="search",outcome="ok"\} 1$/m);
    assert.match(await metrics(), /^ruvector_cluster_nats_reconnects_total 0$/m);

    // Restart the NATS server this node is connected to: the client reconnects (to it or another).
    const status = (await call('GET', '/cluster')).body.result as { nats: { server: string } };
    const port = Number(new URL(status.nats.server.includes('://') ? status.nats.server : `nats://${status.nats.server}`).port);
    const server = nats.servers.find((s) => s.clientPort === port);
    assert.ok(server !== undefined, `connected to ${status.nats.server}, one of ${nats.urls.join(', ')}`);
    const restartedAt = Date.now();
    await nats.restart(server.name);
    await waitFor('the reconnect counted in /metrics', async () => (/^ruvector_cluster_nats_reconnects_total [1-9]\d*$/m.test(await metrics()) ? true : undefined), 60000);
    process.stdout.write(`# nats reconnect: counted in /metrics ${Date.now() - restartedAt} ms after the restart of ${server.name} began\n`);
    await nats.waitReady();
    await waitFor('a search after the reconnect', async () => ((await call('POST', '/collections/auth/points/search', { vector: [0, 1], limit: 1 })).status === 200 ? true : undefined), 60000);
  });
});
