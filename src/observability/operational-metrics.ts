/**
 * The operational series other layers feed: circuit breakers (reliability), the audit backlog
 * (security's audit log), the last successful backup (backup), TLS certificate expiry (security's
 * TLS loader), the cluster (NATS JetStream membership and streams), load shedding, and the disk
 * under the data directory. Each has a small setter so the feeding layer needs no prom-client
 * knowledge; until something feeds them the cluster series read zero and the labelled ones are
 * absent, so dashboards and alerts can be built and tested now.
 *
 * Series (all `ruvector_`):
 * - `circuit_breaker_state{name}`: 0 closed, 1 half-open, 2 open
 * - `audit_backlog`: audit entries accepted but not yet durable in the log (read at scrape time)
 * - `backup_last_success_timestamp_seconds`, `backup_schedule_enabled`
 * - `tls_certificate_expiry_timestamp_seconds{name}`: the certificate's notAfter
 * - `cluster_nodes_total`, `cluster_nodes_healthy`, `cluster_stream_leader_changes_total`
 *   (JetStream elects stream leaders; RuVector runs no election of its own),
 *   `cluster_shard_reassignments_total`, `replication_lag_ops` and `replication_lag_seconds` (histograms),
 *   `cluster_fanout_duration_seconds{op,outcome}` (one scatter-gather over a collection's shards),
 *   `cluster_nats_reconnects_total`
 * - `load_shed_requests_total`: requests refused with 503 because too many were in flight
 * - `disk_usage_bytes{path,type}`: the data directory's filesystem (total, used, available)
 *   and RuVector's own files on it (data)
 *
 * @example
 *   const ops = metrics.operational;
 *   ops.setCircuitBreakerState('nats-search', 'open');
 *   ops.setAuditBacklogSource(() => auditLog.pendingEntries);
 *   ops.setBackupLastSuccess(new Date());
 *   ops.setTlsCertificateExpiry('server', cert.validToDate);
 */
import { statfsSync } from 'node:fs';
import { Counter, Gauge, Histogram, type Registry } from 'prom-client';
import { RvError } from '../errors.js';

/** Circuit breaker states as the gauge encodes them. */
export const CIRCUIT_BREAKER_STATES = { closed: 0, half_open: 1, open: 2 } as const;
export type CircuitBreakerState = keyof typeof CIRCUIT_BREAKER_STATES;

export interface OperationalMetricsOptions {
  registers: Registry[];
  prefix: string;
  /** The data directory whose filesystem `disk_usage_bytes` reports; none: no disk series. */
  dataPath?: string;
  /** Bytes of RuVector's own files under `dataPath` (read at scrape time). */
  dataBytes?: () => number;
}

function checkName(what: string, name: string): void {
  if (typeof name !== 'string' || name.length === 0 || name.length > 128) {
    throw new RvError('RV_INVALID_ARGUMENT', `${what} name must be 1 to 128 characters, got ${JSON.stringify(name)}`, { details: { field: 'name' } });
  }
}

function checkNumber(what: string, value: number): void {
  if (!Number.isFinite(value) || value < 0) {
    throw new RvError('RV_INVALID_ARGUMENT', `${what} must be a finite number ≥ 0, got ${value}`, { details: { field: what } });
  }
}

/** Setters for the series that layers other than the server feed. */
export class OperationalMetrics {
  private readonly breakerState: Gauge<'name'>;
  /** The audit backlog as pushed, or a reader called at scrape time. */
  private readonly audit: { value: number; source: (() => number) | undefined } = { value: 0, source: undefined };
  private readonly backupLastSuccess: Gauge;
  private readonly backupEnabled: Gauge;
  private readonly tlsExpiry: Gauge<'name'>;
  private readonly clusterNodesTotal: Gauge;
  private readonly clusterNodesHealthy: Gauge;
  private readonly streamLeaderChanges: Counter;
  private readonly shardReassignments: Counter;
  private readonly replicationLagOps: Histogram;
  private readonly replicationLagSeconds: Histogram;
  private readonly fanOutDuration: Histogram<'op' | 'outcome'>;
  private readonly natsReconnects: Counter;
  private readonly loadShed: Counter;

  constructor(options: OperationalMetricsOptions) {
    const { registers, prefix } = options;
    const name = (suffix: string): string => `${prefix}${suffix}`;
    const audit = this.audit;

    this.breakerState = new Gauge({ name: name('circuit_breaker_state'), help: 'Circuit breaker state by breaker name: 0 closed, 1 half-open, 2 open.', labelNames: ['name'], registers });
    new Gauge({
      name: name('audit_backlog'),
      help: 'Audit entries accepted but not yet durable in the audit log (0 until the audit log reports).',
      registers,
      collect() {
        let value = audit.value;
        if (audit.source !== undefined) {
          try {
            value = audit.source();
          } catch {
            value = Number.NaN; // a failing source shows as NaN rather than a stale figure
          }
        }
        this.set(value);
      },
    });
    this.backupLastSuccess = new Gauge({ name: name('backup_last_success_timestamp_seconds'), help: 'When the last backup succeeded, seconds since the epoch (0: none yet).', registers });
    this.backupEnabled = new Gauge({ name: name('backup_schedule_enabled'), help: '1 when scheduled backups are configured on this node, else 0 (the backup-age alert needs it).', registers });
    this.tlsExpiry = new Gauge({ name: name('tls_certificate_expiry_timestamp_seconds'), help: 'notAfter of each TLS certificate in use, seconds since the epoch, by certificate name.', labelNames: ['name'], registers });

    this.clusterNodesTotal = new Gauge({ name: name('cluster_nodes_total'), help: 'Nodes in the cluster membership (0: single node, no cluster).', registers });
    this.clusterNodesHealthy = new Gauge({ name: name('cluster_nodes_healthy'), help: 'Cluster nodes whose heartbeat is current.', registers });
    this.streamLeaderChanges = new Counter({ name: name('cluster_stream_leader_changes_total'), help: 'JetStream stream leader changes seen on the op-log streams (NATS elects them; RuVector runs no election of its own).', registers });
    this.shardReassignments = new Counter({ name: name('cluster_shard_reassignments_total'), help: 'Shard replicas this node started for shards already served elsewhere (a node left or joined, or replication_factor rose).', registers });
    this.replicationLagOps = new Histogram({ name: name('replication_lag_ops'), help: 'Op-log entries a replica is behind its stream, observed per replica and check.', buckets: [0, 1, 10, 100, 1000, 10000, 100000], registers });
    this.replicationLagSeconds = new Histogram({ name: name('replication_lag_seconds'), help: 'Age of the newest op-log entry a replica has not yet applied.', buckets: [0.01, 0.05, 0.1, 0.5, 1, 5, 10, 30, 60], registers });
    this.fanOutDuration = new Histogram({ name: name('cluster_fanout_duration_seconds'), help: 'Duration of one cluster fan-out (a request to one replica of every shard, retries included), by operation and outcome.', labelNames: ['op', 'outcome'], buckets: [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10], registers });
    this.natsReconnects = new Counter({ name: name('cluster_nats_reconnects_total'), help: 'Times this node\'s NATS connection was re-established after a disconnect.', registers });
    this.loadShed = new Counter({ name: name('load_shed_requests_total'), help: 'Requests refused with 503 because too many were in flight.', registers });

    const { dataPath, dataBytes } = options;
    if (dataPath !== undefined) {
      new Gauge({
        name: name('disk_usage_bytes'),
        help: 'The data directory\'s filesystem (total, used, available to RuVector) and RuVector\'s own files on it (data).',
        labelNames: ['path', 'type'],
        registers,
        collect() {
          this.reset();
          try {
            const fs = statfsSync(dataPath);
            this.set({ path: dataPath, type: 'total' }, fs.blocks * fs.bsize);
            this.set({ path: dataPath, type: 'used' }, (fs.blocks - fs.bfree) * fs.bsize);
            this.set({ path: dataPath, type: 'available' }, fs.bavail * fs.bsize);
          } catch {
            // Directory gone (closing): report only what is known.
          }
          if (dataBytes !== undefined) this.set({ path: dataPath, type: 'data' }, dataBytes());
        },
      });
    }
  }

  /** Records a breaker's state (reliability calls this on every transition). */
  setCircuitBreakerState(breaker: string, state: CircuitBreakerState): void {
    checkName('circuit breaker', breaker);
    const value = CIRCUIT_BREAKER_STATES[state];
    if (value === undefined) throw new RvError('RV_INVALID_ARGUMENT', `circuit breaker state must be closed, half_open or open, got ${JSON.stringify(state)}`, { details: { field: 'state' } });
    this.breakerState.set({ name: breaker }, value);
  }

  /** Stops reporting a breaker that no longer exists. */
  removeCircuitBreaker(breaker: string): void {
    this.breakerState.remove({ name: breaker });
  }

  /** Sets the audit backlog directly (when the audit log pushes its figure). */
  setAuditBacklog(entries: number): void {
    checkNumber('audit backlog', entries);
    this.audit.value = entries;
  }

  /** Reads the audit backlog at scrape time from `source` instead (undefined: back to the pushed value). */
  setAuditBacklogSource(source: (() => number) | undefined): void {
    this.audit.source = source;
  }

  /** Marks whether scheduled backups are configured (the backup-age alert needs it). */
  setBackupScheduleEnabled(enabled: boolean): void {
    this.backupEnabled.set(enabled ? 1 : 0);
  }

  /** Records a successful backup finishing at `at`. */
  setBackupLastSuccess(at: Date): void {
    checkNumber('backup time', at.getTime());
    this.backupLastSuccess.set(at.getTime() / 1000);
  }

  /** Records the expiry (notAfter) of the certificate called `certificate` (e.g. `server`, `nats-client`). */
  setTlsCertificateExpiry(certificate: string, notAfter: Date): void {
    checkName('certificate', certificate);
    checkNumber('certificate expiry', notAfter.getTime());
    this.tlsExpiry.set({ name: certificate }, notAfter.getTime() / 1000);
  }

  /** Stops reporting a certificate no longer in use. */
  removeTlsCertificate(certificate: string): void {
    this.tlsExpiry.remove({ name: certificate });
  }

  /** Cluster membership as the heartbeats show it. */
  setClusterNodes(total: number, healthy: number): void {
    checkNumber('cluster nodes total', total);
    checkNumber('cluster nodes healthy', healthy);
    if (healthy > total) throw new RvError('RV_INVALID_ARGUMENT', `cluster nodes healthy (${healthy}) cannot exceed total (${total})`, { details: { field: 'healthy' } });
    this.clusterNodesTotal.set(total);
    this.clusterNodesHealthy.set(healthy);
  }

  /** A JetStream stream leader changed (an op-log stream's leader moved to another server). */
  streamLeaderChanged(): void {
    this.streamLeaderChanges.inc();
  }

  /** This node started a replica of a shard already served elsewhere (a node left or joined, or replication_factor rose). */
  shardReassigned(): void {
    this.shardReassignments.inc();
  }

  /** One replica's lag, observed when the replica checks its stream position. */
  observeReplicationLag(ops: number, seconds?: number): void {
    checkNumber('replication lag ops', ops);
    this.replicationLagOps.observe(ops);
    if (seconds !== undefined) {
      checkNumber('replication lag seconds', seconds);
      this.replicationLagSeconds.observe(seconds);
    }
  }

  /** One cluster fan-out over a collection's shards finished (`op`: search, count, retrieve, ...). */
  observeClusterFanOut(op: string, seconds: number, outcome: 'ok' | 'error'): void {
    checkName('fan-out operation', op);
    checkNumber('fan-out seconds', seconds);
    this.fanOutDuration.observe({ op, outcome }, seconds);
  }

  /** The NATS connection was re-established. */
  natsReconnected(): void {
    this.natsReconnects.inc();
  }

  /** A request was refused by load shedding. */
  requestShed(): void {
    this.loadShed.inc();
  }
}
