/**
 * Cluster status routes (Qdrant's shape where it fits): `GET /cluster` (this peer, the peers
 * from the membership heartbeats, RuVector's node health and NATS connection) and
 * `GET /collections/{name}/cluster` (shards, where their replicas are, their state, applied
 * sequences and lag behind the shard's stream). A single node answers `{status: "disabled"}`.
 */
import type { FastifyInstance } from 'fastify';
import type { ClusterNode } from '../../cluster/index.js';
import { RvError } from '../../errors.js';
import { ok } from '../envelope.js';

interface NameParams { collection_name: string }

/** Qdrant peer ids are integers; a numeric node id is reported as one. */
function peerId(id: string): string | number {
  return /^\d{1,15}$/.test(id) ? Number(id) : id;
}

/** Registers `GET /cluster` and `GET /collections/{name}/cluster`. */
export function registerClusterRoutes(app: FastifyInstance, cluster: ClusterNode | undefined): void {
  const read = { permission: 'cluster:read' as const };

  app.get('/cluster', { schema: { tags: ['Cluster'], summary: 'Cluster status', operationId: 'cluster_status' }, config: read }, async (_request, reply) => {
    if (cluster === undefined) return ok(reply, { status: 'disabled' });
    const nodes = cluster.nodeStatuses();
    const nats = cluster.natsStatus();
    return ok(reply, {
      status: 'enabled',
      peer_id: peerId(cluster.nodeId),
      peers: Object.fromEntries(nodes.map((n) => [String(peerId(n.id)), { uri: n.url ?? '' }])),
      // NATS JetStream runs the consensus (meta group and one Raft group per stream); RuVector has no Raft state of its own.
      raft_info: { term: 0, commit: 0, pending_operations: 0, leader: null, role: null, is_voter: false },
      // Qdrant's consensus status, answered for what RuVector depends on: its NATS connection.
      consensus_thread_status: nats.connected
        ? { consensus_thread_status: 'working', last_update: new Date().toISOString() }
        : { consensus_thread_status: 'stopped_with_err', err: nats.disconnected_since === null ? 'the NATS connection is closed' : `disconnected from NATS since ${nats.disconnected_since}` },
      message_send_failures: {},
      nodes: nodes.map((n) => ({ id: n.id, uri: n.url, healthy: n.healthy, started_at: n.startedAt, last_heartbeat: new Date(n.heartbeatAt).toISOString(), replicas: n.replicas })),
      nats,
      breakers: cluster.breakerStatuses(),
    });
  });

  app.get<{ Params: NameParams }>('/collections/:collection_name/cluster', {
    schema: { tags: ['Cluster'], summary: 'Shards and replicas of a collection', operationId: 'collection_cluster_info', params: { type: 'object', properties: { collection_name: { type: 'string' } }, required: ['collection_name'] } },
    config: read,
  }, async (request, reply) => {
    if (cluster === undefined) {
      throw new RvError('RV_CLUSTER_UNSUPPORTED', 'this node is not in a cluster (start it with --cluster); a single node has one local shard per collection', { details: { field: 'cluster' } });
    }
    const { meta, shards } = await cluster.collectionCluster(request.params.collection_name);
    const local = shards.flatMap((s) => s.replicas.filter((r) => r.local).map((r) => ({ shard_id: s.shard, points_count: r.points ?? 0, state: r.lag === 0 ? 'Active' : 'Partial' })));
    const remote = shards.flatMap((s) => s.replicas.filter((r) => !r.local).map((r) => ({ shard_id: s.shard, peer_id: peerId(r.node), state: !r.healthy ? 'Dead' : r.lag === 0 ? 'Active' : 'Partial' })));
    return ok(reply, {
      peer_id: peerId(cluster.nodeId),
      shard_count: meta.shardNumber,
      local_shards: local,
      remote_shards: remote,
      shard_transfers: [],
      replication_factor: meta.replicationFactor,
      shards: shards.map((s) => ({
        shard_id: s.shard, stream: s.stream, stream_first_seq: s.firstSeq, stream_last_seq: s.lastSeq, stream_leader: s.leader,
        replicas: s.replicas.map((r) => ({ peer_id: peerId(r.node), applied_seq: r.applied, lag: r.lag, healthy: r.healthy })),
      })),
    });
  });
}
