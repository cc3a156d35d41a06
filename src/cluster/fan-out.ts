/**
 * Asks one replica of a shard over NATS request/reply, with a per-attempt timeout and retry on
 * another replica:
 *
 *   1. the shard's queue-group subject: NATS hands it to any one live replica
 *   2. on a failure (timeout, no responders, a retryable error such as "not caught up"), each
 *      other hosting node directly, in random order, each behind its own circuit breaker
 *      (cockatiel, via reliability/policies.ts): a node that keeps failing is skipped at once
 *      until its breaker half-opens
 *
 * An RvError the replica answers with that is not retryable (a bad filter) ends the request:
 * every replica would answer the same. Correlation id and W3C trace context travel in NATS
 * headers.
 */
import { headers as natsHeaders, type MsgHdrs, type NatsConnection } from 'nats';
import { RvError, isRvError } from '../errors.js';
import { DependencyPolicies, type DependencyPolicy } from '../reliability/policies.js';
import { rpcSubject } from './collection-meta.js';
import { decodeJson, encodeJson, remoteError, type RpcReply, type RpcRequest } from './rpc.js';

/** What travels with every request: the correlation id and the W3C trace context of the HTTP request. */
export interface RequestContext {
  correlationId?: string;
  traceparent?: string;
  tracestate?: string;
}

export interface ShardAnswer<T> {
  result: T;
  node: string;
  applied: number;
}

export interface FanOutOptions {
  /** Time limit of one attempt (plus any read-your-writes wait). */
  timeoutMs: number;
  /**
   * The process's breaker registry: the per-node breakers are created in it, so they show in
   * `/ready` and in `ruvector_circuit_breaker_state` with the other dependencies (none: a
   * registry of their own).
   */
  policies?: DependencyPolicies;
}

/** Prefix of the per-node breakers' names (`cluster:node:<node id>:<timeout ms>`). */
export const CLUSTER_BREAKER_PREFIX = 'cluster:node:';

export function contextHeaders(context: RequestContext | undefined): MsgHdrs {
  const h = natsHeaders();
  if (context?.correlationId !== undefined) h.set('x-correlation-id', context.correlationId);
  if (context?.traceparent !== undefined) h.set('traceparent', context.traceparent);
  if (context?.tracestate !== undefined) h.set('tracestate', context.tracestate);
  return h;
}

function shuffled<T>(items: readonly T[]): T[] {
  const out = [...items];
  for (let i = out.length - 1; i > 0; i--) {
    const j = Math.floor(Math.random() * (i + 1));
    [out[i], out[j]] = [out[j], out[i]];
  }
  return out;
}

export class FanOut {
  private readonly policies: DependencyPolicies;
  private readonly nodePolicies = new Map<string, DependencyPolicy>();

  constructor(private readonly nc: NatsConnection, private readonly options: FanOutOptions) {
    this.policies = options.policies ?? new DependencyPolicies();
  }

  private policyFor(node: string, timeoutMs: number): DependencyPolicy {
    let policy = this.nodePolicies.get(`${node}/${timeoutMs}`);
    if (policy === undefined) {
      policy = this.policies.create({ name: `${CLUSTER_BREAKER_PREFIX}${node}:${timeoutMs}`, timeoutMs, retries: 0, breakAfterFailures: 3, halfOpenAfterMs: 5000 });
      this.nodePolicies.set(`${node}/${timeoutMs}`, policy);
    }
    return policy;
  }

  /** The per-node breakers (only these, also when the registry is shared). */
  breakerStatuses(): ReturnType<DependencyPolicies['statuses']> {
    return this.policies.statuses().filter((status) => status.name.startsWith(CLUSTER_BREAKER_PREFIX));
  }

  private async once<T>(subject: string, request: RpcRequest, timeoutMs: number, context: RequestContext | undefined): Promise<ShardAnswer<T>> {
    const message = await this.nc.request(subject, encodeJson(request), { timeout: timeoutMs, headers: contextHeaders(context) });
    const reply = decodeJson<RpcReply>(message.data);
    if ('error' in reply) throw remoteError(reply.error);
    return { result: reply.result as T, node: reply.node, applied: reply.applied };
  }

  /**
   * Asks one replica of (uid, shard); `replicas` are the live nodes hosting it (for retries).
   * Keeps trying (queue group, then each replica directly) until the time limit: a replica
   * that is starting or catching up answers a moment later.
   */
  async ask<T>(uid: string, shard: number, request: RpcRequest, replicas: readonly string[], context?: RequestContext): Promise<ShardAnswer<T>> {
    const timeoutMs = this.options.timeoutMs + (request.waitMs ?? 0);
    const deadline = Date.now() + timeoutMs;
    // A replica waits for a read-your-writes sequence at most one slice, then the next replica
    // is asked: one lagging replica must not hold the request while another is caught up.
    const slice = Math.max(200, Math.floor(this.options.timeoutMs / 2));
    const attempt = (): { request: RpcRequest; timeout: number } => {
      const remaining = Math.max(100, deadline - Date.now());
      // Half the budget per attempt: a replica killed with the request in flight never answers, and a retry must fit.
      if (request.after === undefined) return { request, timeout: Math.min(remaining, Math.max(slice, remaining - slice)) };
      const waitMs = Math.max(50, Math.min(slice, remaining - 100));
      return { request: { ...request, waitMs }, timeout: Math.min(remaining, waitMs + slice) };
    };
    let lastError: unknown;
    for (let round = 0; round === 0 || Date.now() < deadline; round++) {
      try {
        const next = attempt();
        return await this.once<T>(rpcSubject(uid, shard), next.request, next.timeout, context);
      } catch (error) {
        if (isRvError(error) && !error.retryable) throw error;
        lastError = error;
      }
      for (const node of shuffled(replicas)) {
        if (Date.now() >= deadline) break;
        try {
          const next = attempt();
          return await this.policyFor(node, this.options.timeoutMs).execute(() => this.once<T>(rpcSubject(uid, shard, node), next.request, next.timeout, context));
        } catch (error) {
          if (isRvError(error) && !error.retryable) throw error;
          lastError = error;
        }
      }
      await new Promise((r) => setTimeout(r, Math.min(250, 25 * 2 ** round)));
    }
    if (isRvError(lastError) && lastError.code === 'RV_CLUSTER_TIMEOUT') throw lastError;
    throw new RvError('RV_CLUSTER_UNAVAILABLE', `no replica of shard ${shard} answered within ${timeoutMs} ms (${(lastError as Error | undefined)?.message ?? 'no replica'}); retry`, { cause: lastError, details: { shard } });
  }
}
