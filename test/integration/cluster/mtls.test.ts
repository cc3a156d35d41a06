/**
 * NATS with TLS and client certificates (mTLS), certificates generated at test time
 * (openssl CLI, test/helpers/test-pki.ts): a node with a CA-signed client certificate joins and serves;
 * a client without a certificate, or with one from another CA, cannot connect.
 */
import assert from 'node:assert/strict';
import { mkdtemp } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { ClusterNode } from '../../../src/cluster/index.js';
import { Database } from '../../../src/engine/index.js';
import { NatsCluster } from '../../helpers/nats-cluster.js';
import { generateTestPki } from '../../helpers/test-pki.js';
import { removeDir, startNode, type TestNode } from './cluster-harness.js';

describe('cluster: mTLS to NATS', { timeout: 180000 }, () => {
  let nats: NatsCluster;
  let dir = '';
  let node: TestNode | undefined;

  before(async () => {
    dir = await mkdtemp(join(tmpdir(), 'rv-nats-tls-'));
    await generateTestPki(join(dir, 'pki'), 'ruvector-node');
    await generateTestPki(join(dir, 'other'), 'intruder');
    const pki = join(dir, 'pki');
    nats = await NatsCluster.start({ tls: { caFile: join(pki, 'ca.pem'), certFile: join(pki, 'server.pem'), keyFile: join(pki, 'server-key.pem') } });
  });

  after(async () => {
    await node?.close().catch(() => undefined);
    await nats?.stop();
    await removeDir(dir);
  });

  test('a node with a CA-signed client certificate joins and serves', async () => {
    const pki = join(dir, 'pki');
    node = await startNode(nats, 'secure', { tls: { caFile: join(pki, 'ca.pem'), certFile: join(pki, 'client.pem'), keyFile: join(pki, 'client-key.pem') } });
    assert.equal((await node.call('PUT', '/collections/tls', { vectors: { size: 2, distance: 'Dot' } })).status, 200);
    assert.equal((await node.call('PUT', '/collections/tls/points?wait=true', { points: [{ id: 1, vector: [1, 0] }] })).status, 200);
    const hits = await node.call('POST', '/collections/tls/points/search', { vector: [1, 0], limit: 1 });
    assert.equal((hits.body.result as { id: number }[])[0].id, 1);
    assert.match(String(node.cluster.natsStatus().server), /127\.0\.0\.1/);
  });

  test('without a certificate, or with one from another CA, the client cannot connect', async () => {
    const pki = join(dir, 'pki');
    const other = join(dir, 'other');
    const db = await Database.open({ path: join(dir, 'intruder-data') });
    try {
      await assert.rejects(ClusterNode.start(db, { servers: nats.urls, nodeId: 'nocert', connectTimeoutMs: 5000, tls: { caFile: join(pki, 'ca.pem') } }), (error: Error & { code?: string }) => error.code === 'RV_CLUSTER_UNAVAILABLE');
      await assert.rejects(ClusterNode.start(db, { servers: nats.urls, nodeId: 'foreign', connectTimeoutMs: 5000, tls: { caFile: join(pki, 'ca.pem'), certFile: join(other, 'client.pem'), keyFile: join(other, 'client-key.pem') } }), (error: Error & { code?: string }) => error.code === 'RV_CLUSTER_UNAVAILABLE');
      const plain = nats.urls.map((url) => url.replace('tls://', 'nats://'));
      await assert.rejects(ClusterNode.start(db, { servers: plain, nodeId: 'plain', connectTimeoutMs: 5000 }), (error: Error & { code?: string }) => error.code === 'RV_CLUSTER_UNAVAILABLE');
    } finally {
      await db.close();
    }
  });
});
