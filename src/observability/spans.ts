/**
 * Child spans of the request (or job) span that is active in the OpenTelemetry context, for
 * code below the server — engine, storage, backup — which imports only this module.
 *
 * Cheap when not traced: with tracing off, or a request that was not sampled, `startSpan()`
 * is a context lookup plus `isRecording()` and returns one shared non-recording span (no
 * allocation, every method a no-op). Only a sampled request pays for its child spans.
 *
 * @example
 *   const span = startSpan(SPAN.indexSearch);
 *   try { return index.search(query); } finally { span.end(); }
 *
 *   await inSpan(SPAN.snapshot, { 'ruvector.collection': name }, () => writeSnapshot(...));
 */
import { context as otelContext, INVALID_SPAN_CONTEXT, ROOT_CONTEXT, SpanStatusCode, trace, type Attributes, type Context, type Span } from '@opentelemetry/api';
import { tracerOf } from './request-context.js';

/** The span names RuVector emits below the HTTP span (docs/observability.md lists them). */
export const SPAN = {
  authenticate: 'ruvector.authenticate',
  plan: 'ruvector.search.plan',
  indexSearch: 'ruvector.index.search',
  rescore: 'ruvector.search.rescore',
  storageCommit: 'ruvector.storage.commit',
  oplogAppend: 'ruvector.oplog.append',
  snapshot: 'ruvector.snapshot.create',
  snapshotRecover: 'ruvector.snapshot.recover',
  backup: 'ruvector.backup',
  restore: 'ruvector.restore',
} as const;

/** The one non-recording span handed out when there is nothing to record. */
export const NON_RECORDING_SPAN: Span = trace.wrapSpanContext(INVALID_SPAN_CONTEXT);

/**
 * Starts a child span of the span active in `parent` (default: the current context). Not made
 * active: nest further spans with `inSpan`, or pass `trace.setSpan(ctx, span)` as their parent.
 * Returns `NON_RECORDING_SPAN` when the parent is absent, not sampled, or already ended.
 */
export function startSpan(name: string, attributes?: Attributes, parent: Context = otelContext.active()): Span {
  const parentSpan = trace.getSpan(parent);
  if (parentSpan === undefined || !parentSpan.isRecording()) return NON_RECORDING_SPAN;
  const tracer = tracerOf(parent);
  if (tracer === undefined) return NON_RECORDING_SPAN;
  return tracer.startSpan(name, attributes === undefined ? undefined : { attributes }, parent);
}

/** Records `error` on the span (exception event, ERROR status) and ends it. */
export function endSpan(span: Span, error?: unknown): void {
  if (error !== undefined && span.isRecording()) {
    span.recordException(error instanceof Error ? error : String(error));
    span.setStatus({ code: SpanStatusCode.ERROR, message: error instanceof Error ? error.message : String(error) });
  }
  span.end();
}

function isPromiseLike(value: unknown): value is PromiseLike<unknown> {
  return typeof value === 'object' && value !== null && typeof (value as { then?: unknown }).then === 'function';
}

/**
 * Runs `fn` inside a child span made active (spans started within are its children), ending it
 * when `fn` returns or its promise settles, and recording a thrown error. Sync or async alike.
 */
export function inSpan<T>(name: string, attributes: Attributes | undefined, fn: (span: Span) => T): T {
  const parent = otelContext.active();
  const span = startSpan(name, attributes, parent);
  if (!span.isRecording()) return fn(span);
  return runActive(span, parent, fn);
}

/** Runs `fn` with `span` active in `parent`, ending the span when `fn` is done. */
export function runActive<T>(span: Span, parent: Context, fn: (span: Span) => T): T {
  return otelContext.with(trace.setSpan(parent, span), () => {
    let result: T;
    try {
      result = fn(span);
    } catch (error) {
      endSpan(span, error);
      throw error;
    }
    if (!isPromiseLike(result)) {
      span.end();
      return result;
    }
    return result.then((value) => {
      span.end();
      return value;
    }, (error: unknown) => {
      endSpan(span, error);
      throw error;
    }) as T;
  });
}

/** A context with `span` active in `parent` (a parent for spans started later, elsewhere). */
export function contextWithSpan(span: Span, parent: Context = otelContext.active()): Context {
  return trace.setSpan(parent, span);
}

/**
 * `fn` bound to the root context: background work scheduled from inside a request (index
 * linking, checkpoints) must not inherit that request's span or correlation id.
 */
export function detached<A extends unknown[], R>(fn: (...args: A) => R): (...args: A) => R {
  return otelContext.bind(ROOT_CONTEXT, fn);
}
