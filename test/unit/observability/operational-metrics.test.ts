// The series other layers feed (breakers, audit backlog, backups, TLS, cluster, load shedding), the
// data directory's disk usage, and the per-collection checkpoint, op-log and quantization gauges.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, statfsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { RuVectorMetrics, type CollectionStats } from '../../../src/observability/index.js';

/** `name{labels}` → value, from the exposition text. */
function samples(text: string): Map<string, number> {
  const out = new Map<string, number>();
  for (const line of text.split('\n')) {
    if (line === '' || line.startsWith('#')) continue;
    const cut = line.lastIndexOf(' ');
    out.set(line.slice(0, cut), Number(line.slice(cut + 1)));
  }
  return out;
}

test('before anything feeds them: cluster series read zero, labelled series are absent but declared', async () => {
  const text = await new RuVectorMetrics().render();
  const s = samples(text);
  for (const name of ['ruvector_cluster_nodes_total', 'ruvector_cluster_nodes_healthy', 'ruvector_cluster_stream_leader_changes_total',
    'ruvector_cluster_shard_reassignments_total', 'ruvector_replication_lag_ops_count', 'ruvector_replication_lag_seconds_count',
    'ruvector_audit_backlog', 'ruvector_backup_last_success_timestamp_seconds', 'ruvector_backup_schedule_enabled', 'ruvector_load_shed_requests_total']) {
    assert.equal(s.get(name), 0, name);
  }
  for (const family of ['ruvector_circuit_breaker_state', 'ruvector_tls_certificate_expiry_timestamp_seconds', 'ruvector_quantization_ratio']) {
    assert.match(text, new RegExp(`^# TYPE ${family} gauge$`, 'm'));
    assert.ok(![...s.keys()].some((k) => k.startsWith(`${family}{`)), `${family} has no series yet`);
  }
  assert.doesNotMatch(text, /ruvector_disk_usage_bytes/, 'no data path: no disk series');
});

test('setters: breaker states, backlog (pushed or read at scrape), backups, certificates, cluster, shedding', async () => {
  const metrics = new RuVectorMetrics();
  const ops = metrics.operational;
  ops.setCircuitBreakerState('nats-search', 'open');
  ops.setCircuitBreakerState('s3-backup', 'half_open');
  ops.setCircuitBreakerState('secrets', 'closed');
  ops.setAuditBacklog(12);
  ops.setBackupScheduleEnabled(true);
  ops.setBackupLastSuccess(new Date('2026-12-01T00:00:00Z'));
  ops.setTlsCertificateExpiry('server', new Date('2027-01-01T00:00:00Z'));
  ops.setClusterNodes(3, 2);
  ops.streamLeaderChanged();
  ops.streamLeaderChanged();
  ops.shardReassigned();
  ops.observeReplicationLag(150, 0.2);
  ops.requestShed();
  let s = samples(await metrics.render());
  assert.equal(s.get('ruvector_circuit_breaker_state{name="nats-search"}'), 2);
  assert.equal(s.get('ruvector_circuit_breaker_state{name="s3-backup"}'), 1);
  assert.equal(s.get('ruvector_circuit_breaker_state{name="secrets"}'), 0);
  assert.equal(s.get('ruvector_audit_backlog'), 12);
  assert.equal(s.get('ruvector_backup_schedule_enabled'), 1);
  assert.equal(s.get('ruvector_backup_last_success_timestamp_seconds'), Date.parse('2026-12-01T00:00:00Z') / 1000);
  assert.equal(s.get('ruvector_tls_certificate_expiry_timestamp_seconds{name="server"}'), Date.parse('2027-01-01T00:00:00Z') / 1000);
  assert.equal(s.get('ruvector_cluster_nodes_total'), 3);
  assert.equal(s.get('ruvector_cluster_nodes_healthy'), 2);
  assert.equal(s.get('ruvector_cluster_stream_leader_changes_total'), 2);
  assert.equal(s.get('ruvector_cluster_shard_reassignments_total'), 1);
  assert.equal(s.get('ruvector_replication_lag_ops_bucket{le="100"}'), 0);
  assert.equal(s.get('ruvector_replication_lag_ops_bucket{le="1000"}'), 1);
  assert.equal(s.get('ruvector_replication_lag_seconds_sum'), 0.2);
  assert.equal(s.get('ruvector_load_shed_requests_total'), 1);

  // A backlog source is read on every scrape; a failing one shows NaN, not a stale figure.
  let backlog = 40;
  ops.setAuditBacklogSource(() => backlog);
  assert.equal(samples(await metrics.render()).get('ruvector_audit_backlog'), 40);
  backlog = 41;
  assert.equal(samples(await metrics.render()).get('ruvector_audit_backlog'), 41);
  ops.setAuditBacklogSource(() => {
    throw new Error('audit log closed');
  });
  assert.ok(Number.isNaN(samples(await metrics.render()).get('ruvector_audit_backlog')));

  ops.removeCircuitBreaker('secrets');
  ops.removeTlsCertificate('server');
  s = samples(await metrics.render());
  assert.equal(s.get('ruvector_circuit_breaker_state{name="secrets"}'), undefined);
  assert.equal(s.get('ruvector_tls_certificate_expiry_timestamp_seconds{name="server"}'), undefined);
});

test('setters reject bad input with RV_INVALID_ARGUMENT naming the field', () => {
  const ops = new RuVectorMetrics().operational;
  assert.throws(() => ops.setCircuitBreakerState('', 'open'), { code: 'RV_INVALID_ARGUMENT', message: /circuit breaker name must be 1 to 128 characters/ });
  assert.throws(() => ops.setCircuitBreakerState('x', 'ajar' as never), { code: 'RV_INVALID_ARGUMENT', message: /closed, half_open or open, got "ajar"/ });
  assert.throws(() => ops.setAuditBacklog(-1), { code: 'RV_INVALID_ARGUMENT', message: /audit backlog must be a finite number ≥ 0, got -1/ });
  assert.throws(() => ops.setClusterNodes(2, 3), { code: 'RV_INVALID_ARGUMENT', message: /healthy \(3\) cannot exceed total \(2\)/ });
  assert.throws(() => ops.setTlsCertificateExpiry('server', new Date('not a date')), { code: 'RV_INVALID_ARGUMENT', message: /certificate expiry/ });
  assert.throws(() => ops.observeReplicationLag(Number.NaN), { code: 'RV_INVALID_ARGUMENT', message: /replication lag ops/ });
});

test('disk usage: the data directory\'s filesystem and RuVector\'s own bytes', async (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'rv-disk-metrics-'));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  const stats: CollectionStats[] = [
    { name: 'a', points: 1, indexedVectors: 1, pendingLinks: 0, appliedSequence: 1, memoryBytes: 1, diskBytes: 4096, deletedRatio: 0 },
    { name: 'b', points: 1, indexedVectors: 1, pendingLinks: 0, appliedSequence: 1, memoryBytes: 1, diskBytes: 8192, deletedRatio: 0 },
  ];
  const metrics = new RuVectorMetrics({ collections: () => stats, dataPath: dir });
  const s = samples(await metrics.render());
  const at = (type: string): number | undefined => s.get(`ruvector_disk_usage_bytes{path="${dir}",type="${type}"}`);
  const fs = statfsSync(dir);
  assert.equal(at('total'), fs.blocks * fs.bsize);
  assert.ok((at('used') ?? -1) > 0 && (at('used') ?? 0) <= (at('total') ?? 0));
  assert.ok((at('available') ?? -1) >= 0 && (at('available') ?? 0) <= (at('total') ?? 0));
  assert.equal(at('data'), 4096 + 8192);
});

test('collection gauges: checkpoint age and lag, op-log length, quantization ratio by tier', async () => {
  const writtenAt = Date.now() - 90_000;
  const stats: CollectionStats[] = [
    { name: 'q', points: 10, indexedVectors: 10, pendingLinks: 0, appliedSequence: 250, memoryBytes: 1, diskBytes: 1, deletedRatio: 0,
      checkpointSequence: 200, checkpointAtMs: writtenAt, opLogRecords: 60, quantization: { tier: 'scalar', ratio: 4 } },
    { name: 'plain', points: 3, indexedVectors: 3, pendingLinks: 0, appliedSequence: 3, memoryBytes: 1, diskBytes: 1, deletedRatio: 0,
      checkpointSequence: 0, checkpointAtMs: 0, opLogRecords: 3 },
  ];
  const metrics = new RuVectorMetrics({ collections: () => stats });
  const s = samples(await metrics.render());
  const age = s.get('ruvector_collection_checkpoint_age_seconds{collection="q"}') ?? 0;
  assert.ok(age >= 90 && age < 150, `checkpoint age ${age}`);
  assert.equal(s.get('ruvector_collection_checkpoint_age_seconds{collection="plain"}'), undefined, 'no checkpoint yet: no age');
  assert.equal(s.get('ruvector_collection_ops_since_checkpoint{collection="q"}'), 50);
  assert.equal(s.get('ruvector_collection_ops_since_checkpoint{collection="plain"}'), 3);
  assert.equal(s.get('ruvector_collection_oplog_length{collection="q"}'), 60);
  assert.equal(s.get('ruvector_quantization_ratio{collection="q",tier="scalar"}'), 4);
  assert.ok(![...s.keys()].some((k) => k.startsWith('ruvector_quantization_ratio{collection="plain"')));
});

test('cluster fan-out histogram by operation and outcome; NATS reconnect counter; bad figures refused', async () => {
  const metrics = new RuVectorMetrics();
  const ops = metrics.operational;
  let s = samples(await metrics.render());
  assert.equal(s.get('ruvector_cluster_nats_reconnects_total'), 0);
  assert.match(await metrics.render(), /^# TYPE ruvector_cluster_fanout_duration_seconds histogram$/m);
  ops.observeClusterFanOut('search', 0.004, 'ok');
  ops.observeClusterFanOut('search', 0.3, 'ok');
  ops.observeClusterFanOut('count', 1.5, 'error');
  ops.natsReconnected();
  ops.natsReconnected();
  s = samples(await metrics.render());
  assert.equal(s.get('ruvector_cluster_fanout_duration_seconds_count{op="search",outcome="ok"}'), 2);
  assert.equal(s.get('ruvector_cluster_fanout_duration_seconds_bucket{le="0.005",op="search",outcome="ok"}'), 1);
  assert.ok(Math.abs((s.get('ruvector_cluster_fanout_duration_seconds_sum{op="search",outcome="ok"}') ?? 0) - 0.304) < 1e-9);
  assert.equal(s.get('ruvector_cluster_fanout_duration_seconds_count{op="count",outcome="error"}'), 1);
  assert.equal(s.get('ruvector_cluster_nats_reconnects_total'), 2);
  assert.throws(() => ops.observeClusterFanOut('search', -1, 'ok'), { code: 'RV_INVALID_ARGUMENT' });
  assert.throws(() => ops.observeClusterFanOut('', 1, 'ok'), { code: 'RV_INVALID_ARGUMENT' });
});
