/**
 * Tracing with OpenTelemetry: one SERVER span per HTTP request, W3C `traceparent`/`tracestate`
 * taken from the request and returned in the response, parent-based sampling (a sampled caller
 * is always followed; a new trace is sampled at `sampleRatio`, default 1%), spans exported over
 * OTLP/HTTP (JSON) to a configured endpoint, or to any exporter given (tests: in-memory).
 *
 * Nothing is registered globally (no global tracer provider, propagator or context manager):
 * each server owns its `Tracing`, so two servers in one process — tests — stay apart. The
 * server passes contexts explicitly; child spans in the engine are a follow-up (issue 5).
 *
 * Framework-neutral: the server's hooks call `startHttpSpan()` and `HttpSpan.end()`.
 */
import { context as otelContext, SpanKind, SpanStatusCode, trace, type Context, type Span, type TextMapGetter, type TextMapSetter, type Tracer } from '@opentelemetry/api';
import { W3CTraceContextPropagator } from '@opentelemetry/core';
import { OTLPTraceExporter } from '@opentelemetry/exporter-trace-otlp-http';
import { resourceFromAttributes } from '@opentelemetry/resources';
import {
  BasicTracerProvider, BatchSpanProcessor, ParentBasedSampler, SimpleSpanProcessor, TraceIdRatioBasedSampler, type SpanExporter, type SpanProcessor,
} from '@opentelemetry/sdk-trace-base';
import { RvError } from '../errors.js';

/** The default share of new traces sampled (parent-based: a sampled parent always wins). */
export const DEFAULT_SAMPLE_RATIO = 0.01;

export interface TracingOptions {
  /** Share of new root traces recorded, 0..1; default 0.01. */
  sampleRatio?: number;
  /** OTLP/HTTP traces endpoint, e.g. `http://collector:4318/v1/traces`; spans are batched. */
  otlpEndpoint?: string;
  /** Any exporter, spans sent one by one as they end (tests: `InMemorySpanExporter`). */
  exporter?: SpanExporter;
  serviceName?: string;
  serviceVersion?: string;
}

type Headers = Readonly<Record<string, string | string[] | undefined>>;

const headerGetter: TextMapGetter<Headers> = {
  keys: (carrier) => Object.keys(carrier),
  get: (carrier, key) => carrier[key.toLowerCase()],
};
const headerSetter: TextMapSetter<Record<string, string>> = {
  set: (carrier, key, value) => {
    carrier[key] = value;
  },
};

/** What the server knows about a request when it starts. */
export interface HttpRequestInfo {
  method: string;
  /** Path without the query string. */
  path: string;
  headers: Headers;
  correlationId: string;
}

/** A request's span; `responseHeaders` carry `traceparent` (and `tracestate`) back to the client. */
export interface HttpSpan {
  readonly span: Span;
  readonly context: Context;
  readonly responseHeaders: Readonly<Record<string, string>>;
  /** Names the span by route pattern, records the status, ends it (idempotent). */
  end(route: string | undefined, status: number, error?: unknown): void;
}

/** A tracer provider, its propagator and exporter pipeline. */
export class Tracing {
  readonly tracer: Tracer;
  private readonly provider: BasicTracerProvider;
  private readonly propagator = new W3CTraceContextPropagator();

  constructor(options: TracingOptions) {
    const ratio = options.sampleRatio ?? DEFAULT_SAMPLE_RATIO;
    if (!(ratio >= 0 && ratio <= 1)) {
      throw new RvError('RV_INVALID_ARGUMENT', `tracing sample ratio ${ratio} is outside 0..1`, { details: { field: 'sampleRatio', value: ratio } });
    }
    const spanProcessors: SpanProcessor[] = [];
    if (options.exporter !== undefined) spanProcessors.push(new SimpleSpanProcessor(options.exporter));
    if (options.otlpEndpoint !== undefined) spanProcessors.push(new BatchSpanProcessor(new OTLPTraceExporter({ url: options.otlpEndpoint })));
    this.provider = new BasicTracerProvider({
      resource: resourceFromAttributes({ 'service.name': options.serviceName ?? 'ruvector', ...(options.serviceVersion === undefined ? {} : { 'service.version': options.serviceVersion }) }),
      sampler: new ParentBasedSampler({ root: new TraceIdRatioBasedSampler(ratio) }),
      spanProcessors,
    });
    this.tracer = this.provider.getTracer('ruvector', options.serviceVersion);
  }

  /** Starts the SERVER span of a request, child of the caller's `traceparent` when present. */
  startHttpSpan(request: HttpRequestInfo): HttpSpan {
    const parent = this.propagator.extract(otelContext.active(), request.headers, headerGetter);
    const span = this.tracer.startSpan(`${request.method}`, {
      kind: SpanKind.SERVER,
      attributes: { 'http.request.method': request.method, 'url.path': request.path, 'ruvector.correlation_id': request.correlationId },
    }, parent);
    const context = trace.setSpan(parent, span);
    const responseHeaders: Record<string, string> = {};
    this.propagator.inject(context, responseHeaders, headerSetter);
    let ended = false;
    return {
      span,
      context,
      responseHeaders,
      end: (route, status, error) => {
        if (ended) return;
        ended = true;
        if (route !== undefined) {
          span.updateName(`${request.method} ${route}`);
          span.setAttribute('http.route', route);
        }
        span.setAttribute('http.response.status_code', status);
        if (error !== undefined) span.recordException(error instanceof Error ? error : String(error));
        if (status >= 500 || error !== undefined) span.setStatus({ code: SpanStatusCode.ERROR });
        span.end();
      },
    };
  }

  /** Sends every finished span now (tests, shutdown). */
  forceFlush(): Promise<void> {
    return this.provider.forceFlush();
  }

  /** Flushes and stops the exporters. */
  shutdown(): Promise<void> {
    return this.provider.shutdown();
  }
}
