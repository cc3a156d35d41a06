/**
 * Cluster test harness: a real 3-server NATS cluster (test/helpers/nats-cluster.ts) and
 * RuVector nodes as in-process servers (Database + ClusterNode + createServer, requests by
 * app.inject), each with its own temp data directory, wired like src/main.ts: the fan-out's
 * breakers in the node's DependencyPolicies (`/ready`, breaker gauge) and the cluster metrics
 * fed into the server's operational metrics. `stop()` closes everything.
 */
import { appendFileSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ClusterNode, feedClusterMetrics, type ClusterOptions } from '../../../src/cluster/index.js';
import { Database } from '../../../src/engine/index.js';
import { DependencyPolicies } from '../../../src/reliability/index.js';
import type { Tracing } from '../../../src/observability/index.js';
import { createServer, type RuVectorServer } from '../../../src/server/index.js';
import { createSecurityContext } from '../../../src/security/security-context.js';
import { NatsCluster } from '../../helpers/nats-cluster.js';

export interface TestNode {
  id: string;
  dir: string;
  db: Database;
  cluster: ClusterNode;
  server: RuVectorServer;
  dependencies: DependencyPolicies;
  /** JSON request through app.inject; returns status, parsed body and headers. */
  call(method: string, url: string, body?: unknown, headers?: Record<string, string>): Promise<{ status: number; body: { result?: unknown; status?: unknown }; headers: Record<string, unknown> }>;
  close(): Promise<void>;
}

export interface NodeAuth {
  /** The node's own admin API key (static); with it, authentication is on. */
  adminKey: string;
}

/**
 * Starts a node; with `auth`, authentication is on, stored keys and roles live in the node's
 * data directory and are replicated through the cluster (as src/main.ts wires them).
 */
export async function startNode(nats: NatsCluster, id: string, extra: Partial<ClusterOptions> = {}, dir?: string, auth?: NodeAuth, tracing?: Tracing): Promise<TestNode> {
  const dataDir = dir ?? await mkdtemp(join(tmpdir(), `rv-node-${id}-`));
  const db = await Database.open({ path: dataDir });
  // RV_CLUSTER_DEBUG=<file> appends the nodes' cluster log (info and above) to that file.
  const logger = process.env.RV_CLUSTER_DEBUG === undefined ? undefined
    : (level: string, message: string, fields?: Record<string, unknown>): void => { if (level !== 'debug') appendFileSync(process.env.RV_CLUSTER_DEBUG as string, `[${id}] ${level} ${message} ${JSON.stringify(fields ?? {})}\n`); };
  const dependencies = new DependencyPolicies();
  const cluster = await ClusterNode.start(db, {
    servers: nats.urls, nodeId: id, heartbeatMs: 500, nodeTtlMs: 3000, requestTimeoutMs: 3000, dependencies, ...(logger === undefined ? {} : { logger }),
    // As src/main.ts wires it: shard requests traced under the sender's span.
    ...(tracing === undefined ? {} : { traceRemote: <T>(name: string, carrier: Record<string, string>, fn: () => Promise<T>) => tracing.runJob(name, () => fn(), { carrier }) }),
    ...extra,
  });
  const security = auth === undefined ? undefined : await createSecurityContext({ apiKey: auth.adminKey, dataDir });
  if (security !== undefined) await cluster.replicateSecurity(security.keyStore, security.roles);
  const server = await createServer(db, {
    host: '127.0.0.1', port: 0, logger: false, version: 'test', cluster, dependencies, ...(tracing === undefined ? {} : { tracing }),
    ...(security === undefined ? { authDisabled: true } : { security }),
  });
  dependencies.observe((name, state) => server.operationalMetrics.setCircuitBreakerState(name, state));
  const stopMetrics = feedClusterMetrics(cluster, server.operationalMetrics, 1000);
  let closed = false;
  return {
    id, dir: dataDir, db, cluster, server, dependencies,
    async call(method, url, body, headers = {}) {
      const response = await server.app.inject({ method: method as 'GET', url, headers: { 'content-type': 'application/json', ...headers }, ...(body === undefined ? {} : { payload: JSON.stringify(body) }) });
      return { status: response.statusCode, body: response.body === '' ? {} : JSON.parse(response.body) as { result?: unknown }, headers: response.headers };
    },
    async close() {
      if (closed) return;
      closed = true;
      stopMetrics();
      await server.close();
      await cluster.close();
      await db.close();
    },
  };
}

export async function removeDir(dir: string): Promise<void> {
  await rm(dir, { recursive: true, force: true });
}
