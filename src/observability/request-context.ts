/**
 * What travels with a request's work through the process — and, later, across the cluster:
 * its correlation id and its trace context (the request span plus the tracer that made it).
 * Both live in the OpenTelemetry `Context`, made active by the server around the request's
 * hooks and handler (`runInRequestContext`), so engine code and log lines read them from
 * `context.active()` without being handed anything.
 *
 * A carrier (the headers of a NATS message, an HTTP call to a peer) gets `propagationHeaders()`
 * on the sending side and `contextFromHeaders()` on the receiving side.
 */
import { context as otelContext, createContextKey, ROOT_CONTEXT, type Context, type TextMapGetter, type TextMapSetter, type Tracer } from '@opentelemetry/api';
import { randomUUID } from 'node:crypto';
import { W3CTraceContextPropagator } from '@opentelemetry/core';

/** Headers a client may send its correlation id in, in order of preference. */
export const CORRELATION_ID_HEADERS = ['x-correlation-id', 'x-request-id'] as const;
const SANE_ID = /^[A-Za-z0-9._:-]{1,128}$/;

/**
 * The request's correlation id: the client's (`X-Correlation-ID`, else `X-Request-ID`) when it
 * is a sane token — it is written into every log line, so length and alphabet are limited —
 * else a fresh UUID.
 */
export function correlationIdOf(headers: Readonly<Record<string, string | string[] | undefined>>): string {
  for (const name of CORRELATION_ID_HEADERS) {
    const value = headers[name];
    if (typeof value === 'string' && SANE_ID.test(value)) return value;
  }
  return randomUUID();
}

const CORRELATION_ID_KEY = createContextKey('ruvector.correlation_id');
const TRACER_KEY = createContextKey('ruvector.tracer');

/** The header a correlation id travels in between RuVector processes. */
export const CORRELATION_ID_HEADER = 'x-correlation-id';

/** `ctx` carrying the correlation id. */
export function withCorrelationId(ctx: Context, correlationId: string): Context {
  return ctx.setValue(CORRELATION_ID_KEY, correlationId);
}

/** The correlation id of the work running now (undefined outside any request). */
export function currentCorrelationId(ctx: Context = otelContext.active()): string | undefined {
  return ctx.getValue(CORRELATION_ID_KEY) as string | undefined;
}

/** `ctx` carrying the tracer that child spans are made with (each server owns its tracer). */
export function withTracer(ctx: Context, tracer: Tracer): Context {
  return ctx.setValue(TRACER_KEY, tracer);
}

/** The tracer of `ctx`, if a traced request or job put one there. */
export function tracerOf(ctx: Context): Tracer | undefined {
  return ctx.getValue(TRACER_KEY) as Tracer | undefined;
}

/**
 * Runs `fn` (and everything it starts asynchronously) with the request's correlation id and,
 * when traced, its span context active.
 * @example
 *   runInRequestContext({ correlationId: request.id, traceContext: httpSpan?.context }, done);
 */
export function runInRequestContext<T>(request: { correlationId: string; traceContext?: Context | undefined }, fn: () => T): T {
  return otelContext.with(withCorrelationId(request.traceContext ?? ROOT_CONTEXT, request.correlationId), fn);
}

type Carrier = Record<string, string>;
type Headers = Readonly<Record<string, string | string[] | undefined>>;

const propagator = new W3CTraceContextPropagator();
const setter: TextMapSetter<Carrier> = {
  set: (carrier, key, value) => {
    carrier[key] = value;
  },
};
const getter: TextMapGetter<Headers> = {
  keys: (carrier) => Object.keys(carrier),
  get: (carrier, key) => carrier[key.toLowerCase()],
};

/**
 * Headers that carry the current work to another process: W3C `traceparent` (and `tracestate`)
 * when a span is active, and `x-correlation-id` when a correlation id is.
 * @example
 *   await nc.request(subject, data, { headers: toNatsHeaders(propagationHeaders()) });
 */
export function propagationHeaders(ctx: Context = otelContext.active()): Carrier {
  const carrier: Carrier = {};
  propagator.inject(ctx, carrier, setter);
  const correlationId = currentCorrelationId(ctx);
  if (correlationId !== undefined) carrier[CORRELATION_ID_HEADER] = correlationId;
  return carrier;
}

/**
 * The receiving side: a context with the remote span context (parent of the spans started in
 * it) and the sender's correlation id (a fresh one when it is absent or not a sane token).
 * Header names are matched in lower case.
 */
export function contextFromHeaders(headers: Headers, base: Context = ROOT_CONTEXT): Context {
  const lower: Record<string, string | string[] | undefined> = {};
  for (const [name, value] of Object.entries(headers)) lower[name.toLowerCase()] = value;
  return withCorrelationId(propagator.extract(base, lower, getter), correlationIdOf(lower));
}
