// Shared fixtures of the server tests: a database in a temp dir, the server over it (inject),
// and response validation against Qdrant's OpenAPI document.
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import AjvModule, { type ValidateFunction } from 'ajv';
import type { FastifyInstance, InjectOptions, LightMyRequestResponse } from 'fastify';
import { Database, type DatabaseOptions } from '../../../src/index.js';
import { createServer, type RuVectorServer, type ServerOptions } from '../../../src/server/index.js';

export const repoRoot = resolve(dirname(fileURLToPath(import.meta.url)), '../../..');

interface TestContext {
  after: (fn: () => unknown) => void;
}

/**
 * Cleanup that runs last-registered-first (node:test runs `t.after` hooks in registration
 * order, but a server must close before its database, and both before their directory goes).
 */
export function deferrer(t: TestContext): (fn: () => unknown) => void {
  const stack: (() => unknown)[] = [];
  t.after(async () => {
    while (stack.length > 0) await stack.pop()?.();
  });
  return (fn) => stack.push(fn);
}

export function tempDir(defer: (fn: () => unknown) => void, prefix = 'rv-server-'): string {
  const dir = mkdtempSync(join(tmpdir(), prefix));
  defer(() => rmSync(dir, { recursive: true, force: true }));
  return dir;
}

export interface Fixture {
  db: Database;
  server: RuVectorServer;
  app: FastifyInstance;
  dir: string;
}

/** A database and a server over it; closed (server, then database, then directory) when the test ends. */
export async function startServer(t: TestContext, options: Partial<ServerOptions> = {}, dbOptions: Partial<DatabaseOptions> = {}): Promise<Fixture> {
  const defer = deferrer(t);
  const dir = tempDir(defer);
  const db = await Database.open({ path: dir, ...dbOptions });
  defer(() => db.close());
  const server = await createServer(db, { host: '127.0.0.1', port: 0, authDisabled: true, logger: false, version: '0.1.0-test', ...options });
  defer(() => server.close());
  return { db, server, app: server.app, dir };
}

/** `app.inject` with a JSON body. */
export async function call(app: FastifyInstance, method: string, url: string, body?: unknown, headers: Record<string, string> = {}): Promise<LightMyRequestResponse> {
  const options: InjectOptions = { method: method as InjectOptions['method'], url, headers };
  if (body !== undefined) options.payload = body as InjectOptions['payload'];
  return app.inject(options);
}

/** The `result` of a 200 response. */
export function resultOf(response: LightMyRequestResponse): unknown {
  assert.equal(response.statusCode, 200, response.body);
  const body = response.json() as { result: unknown; status: string; time: number };
  assert.equal(body.status, 'ok');
  assert.equal(typeof body.time, 'number');
  return body.result;
}

/** Asserts an error response: status, code and (optionally) a message pattern. */
export function assertError(response: LightMyRequestResponse, status: number, code: string, message?: RegExp): void {
  assert.equal(response.statusCode, status, response.body);
  const body = response.json() as { status: { error: string }; code: string; retryable: boolean; time: number };
  assert.equal(body.code, code, response.body);
  assert.equal(typeof body.status.error, 'string');
  assert.equal(typeof body.retryable, 'boolean');
  assert.equal(typeof body.time, 'number');
  if (message !== undefined) assert.match(body.status.error, message);
  qdrant.assertValid(body, 'ErrorResponse');
}

// ------------------------------------------------------------------ Qdrant's OpenAPI document

/** CI lays shared/ beside the repository; locally it is there too. */
export const QDRANT_OPENAPI_PATH = resolve(repoRoot, '../shared/reference/qdrant-openapi.json');

type Json = Record<string, unknown>;

/** OpenAPI 3.0's `nullable` as JSON Schema: a null type beside the schema. */
function toJsonSchema(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(toJsonSchema);
  if (typeof value !== 'object' || value === null) return value;
  const out: Json = {};
  for (const [key, child] of Object.entries(value)) out[key] = toJsonSchema(child);
  if (out.nullable === true) {
    delete out.nullable;
    if (typeof out.type === 'string') out.type = [out.type, 'null'];
    else if (Object.keys(out).every((k) => k === 'description' || k === 'default')) return { type: 'null' };
    else return { anyOf: [out, { type: 'null' }] };
  }
  return out;
}

class QdrantSchemas {
  private readonly ajv;
  private readonly compiled = new Map<string, ValidateFunction>();

  constructor() {
    const document = JSON.parse(readFileSync(QDRANT_OPENAPI_PATH, 'utf8')) as Json;
    const Ajv = AjvModule.default;
    this.ajv = new Ajv({ strict: false, validateFormats: false, validateSchema: false, allErrors: true });
    this.ajv.addSchema({ $id: 'qdrant', components: toJsonSchema(document.components) });
  }

  private validator(name: string): ValidateFunction {
    let validate = this.compiled.get(name);
    if (validate === undefined) {
      validate = this.ajv.compile({ $ref: `qdrant#/components/schemas/${name}` });
      this.compiled.set(name, validate);
    }
    return validate;
  }

  /** Asserts `value` matches component `name` (append `[]` for an array of them). */
  assertValid(value: unknown, name: string): void {
    const isArray = name.endsWith('[]');
    const component = isArray ? name.slice(0, -2) : name;
    const values = isArray ? (assert.ok(Array.isArray(value), `expected an array of ${component}`), value as unknown[]) : [value];
    const validate = this.validator(component);
    for (const v of values) {
      if (!validate(v)) assert.fail(`does not match Qdrant's ${component}: ${this.ajv.errorsText(validate.errors)}\n${JSON.stringify(v).slice(0, 2000)}`);
    }
  }

  /** The `result` of a 200 response, checked against a component. */
  result(response: LightMyRequestResponse, name: string): unknown {
    const result = resultOf(response);
    this.assertValid(result, name);
    return result;
  }
}

let cached: QdrantSchemas | undefined;

/** Lazily loaded validator over Qdrant's component schemas. */
export const qdrant = {
  assertValid: (value: unknown, name: string): void => (cached ??= new QdrantSchemas()).assertValid(value, name),
  result: (response: LightMyRequestResponse, name: string): unknown => (cached ??= new QdrantSchemas()).result(response, name),
};

/** A deterministic unit-ish vector. */
export function vec(rand: () => number, dim: number): number[] {
  return Array.from({ length: dim }, () => rand() * 2 - 1);
}
