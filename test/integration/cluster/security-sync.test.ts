/**
 * Stored API keys and API-managed roles are the cluster's, not a node's: on real servers
 * (3 NATS with JetStream + RuVector nodes with authentication on), a role and a key made on
 * node A work on node B; revoking the key or deleting the role on B takes effect on A; a node
 * joining later gets the current state, and publishes a key it held before joining; a
 * revocation made while NATS is down reaches the other nodes once NATS is back, and so does a
 * role deleted while NATS is down by a node restarted before NATS returns.
 */
import assert from 'node:assert/strict';
import { mkdtemp } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { connect } from 'nats';
import { KeyStore } from '../../../src/security/keys/key-store.js';
import { NatsCluster, waitFor } from '../../helpers/nats-cluster.js';
import { removeDir, startNode, type TestNode } from './cluster-harness.js';

const ADMIN_A = 'admin-key-of-node-a-0123456789';
const ADMIN_B = 'admin-key-of-node-b-0123456789';
const ADMIN_C = 'admin-key-of-node-c-0123456789';

describe('cluster: API keys and roles replicated through the metadata bucket', { timeout: 180000 }, () => {
  let nats: NatsCluster;
  const nodes: TestNode[] = [];
  const dirs: string[] = [];

  before(async () => {
    nats = await NatsCluster.start();
    nodes.push(await startNode(nats, 'a', {}, undefined, { adminKey: ADMIN_A }));
    nodes.push(await startNode(nats, 'b', {}, undefined, { adminKey: ADMIN_B }));
    dirs.push(...nodes.map((n) => n.dir));
  });

  after(async () => {
    for (const node of nodes) await node.close().catch(() => undefined);
    await nats?.stop();
    for (const dir of dirs) await removeDir(dir);
  });

  test('a role and a key made on A work on B; revoking on B and deleting the role reach A; a late joiner converges', async () => {
    const [a, b] = nodes;
    const asA = { 'api-key': ADMIN_A };
    const asB = { 'api-key': ADMIN_B };

    const role = await a.call('PUT', '/admin/roles/docs-reader', { grants: [{ permission: 'collection:read', collections: ['docs*'] }] }, asA);
    assert.equal(role.status, 200, JSON.stringify(role.body));
    const created = await a.call('POST', '/admin/keys', { name: 'search-service', role: 'docs-reader' }, asA);
    assert.equal(created.status, 200, JSON.stringify(created.body));
    const { key, id } = created.body.result as { key: string; id: string };

    // A node's own admin key is its own: A's is refused by B.
    assert.equal((await b.call('GET', '/collections', undefined, asA)).status, 401);

    const made = await b.call('PUT', '/collections/docs', { vectors: { size: 4, distance: 'Dot' }, replication_factor: 2 }, asB);
    assert.equal(made.status, 200, JSON.stringify(made.body));
    assert.equal((await b.call('PUT', '/collections/other', { vectors: { size: 4, distance: 'Dot' }, replication_factor: 2 }, asB)).status, 200);

    // The key made on A is accepted by B with the role made on A: it reads docs, nothing else.
    const asService = { 'api-key': key };
    await waitFor('B to accept the key made on A', async () => ((await b.call('GET', '/collections/docs', undefined, asService)).status === 200 ? true : undefined));
    const listed = await b.call('GET', '/admin/keys', undefined, asB);
    const view = (listed.body.result as { keys: { id: string; name: string; hash?: unknown }[] }).keys.find((k) => k.id === id);
    assert.equal(view?.name, 'search-service');
    assert.equal(view?.hash, undefined, 'listings never show the hash');
    assert.equal((await b.call('GET', '/collections/other', undefined, asService)).status, 403);
    assert.equal((await b.call('PUT', '/collections/docs/points?wait=true', { points: [{ id: 1, vector: [1, 0, 0, 0] }] }, asService)).status, 403);

    // A key rotated twice (two replacements of one record): the nodes converge on one record
    // instead of overwriting each other's version in the bucket forever.
    const rotating = (await a.call('POST', '/admin/keys', { name: 'rotating', role: 'reader' }, asA)).body.result as { id: string };
    assert.equal((await a.call('POST', `/admin/keys/${rotating.id}/rotate`, { overlap: '1h' }, asA)).status, 200);
    assert.equal((await b.call('POST', `/admin/keys/${rotating.id}/rotate`, { overlap: '30m' }, asB)).status, 200);
    const nc = await connect({ servers: nats.urls });
    try {
      const jsm = await nc.jetstreamManager();
      const lastSeq = async (): Promise<number> => (await jsm.streams.info('KV_ruvector_meta')).state.last_seq;
      await new Promise((r) => setTimeout(r, 1500));
      const before = await lastSeq();
      await new Promise((r) => setTimeout(r, 2000));
      assert.ok(await lastSeq() - before <= 2, 'the metadata bucket is quiet: no republish loop');
    } finally {
      await nc.close();
    }
    const viewA = (await a.call('GET', `/admin/keys/${rotating.id}`, undefined, asA)).body.result;
    await waitFor('A and B agree on the twice-rotated record', async () => (JSON.stringify((await b.call('GET', `/admin/keys/${rotating.id}`, undefined, asB)).body.result) === JSON.stringify((await a.call('GET', `/admin/keys/${rotating.id}`, undefined, asA)).body.result) ? true : undefined));
    assert.ok(viewA !== undefined);

    // A key made offline on a node that joins later: published when it joins.
    const lateDir = await mkdtemp(join(tmpdir(), 'rv-node-c-'));
    dirs.push(lateDir);
    const offline = await KeyStore.open({ file: join(lateDir, '.auth', 'keys.json'), roleExists: () => true });
    const offlineKey = (await offline.create({ name: 'made-before-joining', roles: ['reader'] })).key;

    // Revoked on B: refused on A.
    assert.equal((await b.call('DELETE', `/admin/keys/${id}`, undefined, asB)).status, 200);
    await waitFor('A to refuse the key revoked on B', async () => ((await a.call('GET', '/collections/docs', undefined, asService)).status === 401 ? true : undefined));

    // The role deleted on B: gone on A.
    assert.equal((await b.call('DELETE', '/admin/roles/docs-reader', undefined, asB)).status, 200);
    await waitFor('A to drop the role deleted on B', async () => ((await a.call('GET', '/admin/roles/docs-reader', undefined, asA)).status === 404 ? true : undefined));

    // A late joiner: the revoked key and the deleted role are already known when it serves.
    const c = await startNode(nats, 'c', {}, lateDir, { adminKey: ADMIN_C });
    nodes.push(c);
    assert.equal((await c.call('GET', '/collections', undefined, asService)).status, 401, 'the revoked key is refused on the late joiner at once');
    assert.equal((await c.call('GET', '/admin/roles/docs-reader', undefined, { 'api-key': ADMIN_C })).status, 404);
    const revoked = (await c.call('GET', `/admin/keys/${id}`, undefined, { 'api-key': ADMIN_C })).body.result as { status: string };
    assert.equal(revoked.status, 'revoked');
    // ... and the key it held before joining works on A.
    await waitFor('A to accept the key the late joiner held', async () => ((await a.call('GET', '/collections', undefined, { 'api-key': offlineKey })).status === 200 ? true : undefined));
    assert.equal((await b.call('GET', '/collections', undefined, { 'api-key': offlineKey })).status, 200);

    // NATS entirely down while a key is revoked on A: the revocation is retried until NATS is
    // back, then B refuses the key (no restart of A needed).
    for (const server of nats.servers) await nats.kill(server.name);
    const offlineId = /^rvk_([0-9a-f]{16})\./.exec(offlineKey)?.[1];
    assert.equal((await a.call('DELETE', `/admin/keys/${offlineId}`, undefined, asA)).status, 200, 'revoking works with NATS down (it is local first)');
    assert.equal((await a.call('GET', '/collections', undefined, { 'api-key': offlineKey })).status, 401);
    await new Promise((r) => setTimeout(r, 1500));
    for (const server of nats.servers) await nats.restart(server.name);
    await waitFor('B to refuse the key revoked on A while NATS was down', async () => ((await b.call('GET', '/collections', undefined, { 'api-key': offlineKey })).status === 401 ? true : undefined), 60000, 200);

    // A role deleted on A while NATS is down, and A restarted before NATS is back: the delete is
    // kept as unpublished in A's roles file and wins over the bucket's older version.
    assert.equal((await a.call('PUT', '/admin/roles/temp', { grants: [{ permission: 'system:health' }] }, asA)).status, 200);
    await waitFor('B to have the role', async () => ((await b.call('GET', '/admin/roles/temp', undefined, asB)).status === 200 ? true : undefined));
    for (const server of nats.servers) await nats.kill(server.name);
    assert.equal((await a.call('DELETE', '/admin/roles/temp', undefined, asA)).status, 200);
    await a.close();
    for (const server of nats.servers) await nats.restart(server.name);
    const restarted = await startNode(nats, 'a', {}, a.dir, { adminKey: ADMIN_A });
    nodes[0] = restarted;
    assert.equal((await restarted.call('GET', '/admin/roles/temp', undefined, asA)).status, 404, 'the restarted node kept its delete');
    await waitFor('B to drop the role deleted on A while NATS was down', async () => ((await b.call('GET', '/admin/roles/temp', undefined, asB)).status === 404 ? true : undefined), 60000, 200);
  });
});
