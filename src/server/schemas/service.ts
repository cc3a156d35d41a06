/** Schemas of the service routes: version, probes, health, metrics. */
import { object, type JsonSchema } from './json-schema.js';

const tags = ['Service'];
const text = (description: string): JsonSchema => ({ 200: { description, content: { 'text/plain': { schema: { type: 'string' } } } } });
const check: JsonSchema = { type: 'object', properties: { status: { type: 'string', enum: ['ok', 'fail'] } }, additionalProperties: true };
const health: JsonSchema = {
  description: 'Status and the individual checks',
  type: 'object',
  properties: { status: { type: 'string', enum: ['ok', 'fail'] }, version: { type: 'string' }, checks: { type: 'object', additionalProperties: check } },
};

export const serviceSchemas = {
  root: {
    tags, summary: 'Service name and version', operationId: 'root',
    response: { 200: { description: 'Version info', ...object({ title: { type: 'string' }, version: { type: 'string' }, commit: { type: ['string', 'null'] } }) } },
  },
  healthz: { tags, summary: 'Liveness probe (no auth)', operationId: 'healthz', response: text('healthz check passed') },
  livez: { tags, summary: 'Liveness probe (no auth)', operationId: 'livez', response: text('livez check passed') },
  readyz: { tags, summary: 'Readiness probe (no auth); 503 while starting or draining', operationId: 'readyz', response: { ...text('readyz check passed'), 503: { description: 'Not ready' } } },
  health: { tags, summary: 'Health with checks (JSON, no auth)', operationId: 'health', response: { 200: health, 503: health } },
  ready: { tags, summary: 'Readiness with checks (JSON, no auth)', operationId: 'ready', response: { 200: health, 503: health } },
  metrics: { tags, summary: 'Prometheus metrics', operationId: 'metrics', response: text('Prometheus text exposition format 0.0.4') },
  openapi: { tags, summary: 'This OpenAPI document', operationId: 'openapi', response: { 200: { description: 'OpenAPI 3 document', type: 'object', additionalProperties: true } } },
} as const;
