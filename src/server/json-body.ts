/**
 * The JSON body parser. Fastify's own answers every syntax error with one fixed sentence;
 * this one names the problem the way Qdrant does (`Format error in JSON body: …`), treats an
 * empty body as no body (some clients send `Content-Type: application/json` on a DELETE), and,
 * like Fastify's, rejects `__proto__` and `constructor.prototype` keys, which would let a
 * payload reach an object's prototype through a later merge.
 */
import type { FastifyInstance } from 'fastify';
import { ApiProblem, SERVER_CODES } from './api-problem.js';

function malformed(reason: string): ApiProblem {
  return new ApiProblem('invalid_argument', SERVER_CODES.invalidRequest, `Format error in JSON body: ${reason}`, { transport: 'malformed_body' });
}

/** Walks the parsed value looking for keys that could poison a prototype. */
function rejectPoisonedKeys(root: unknown): void {
  const stack: unknown[] = [root];
  while (stack.length > 0) {
    const value = stack.pop();
    if (typeof value !== 'object' || value === null) continue;
    if (Array.isArray(value)) {
      for (const element of value) stack.push(element);
      continue;
    }
    for (const key of Object.keys(value)) {
      const child = (value as Record<string, unknown>)[key];
      if (key === '__proto__') throw malformed('the key "__proto__" is not allowed');
      if (key === 'constructor' && typeof child === 'object' && child !== null && Object.prototype.hasOwnProperty.call(child, 'prototype')) {
        throw malformed('the key "constructor.prototype" is not allowed');
      }
      stack.push(child);
    }
  }
}

/** Parses a request body; `undefined` for an empty one. */
export function parseJsonBody(text: string): unknown {
  if (text.length === 0 || text.trim().length === 0) return undefined;
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (error) {
    throw malformed((error as Error).message);
  }
  // Only bodies that could hold such a key pay for the walk (a \u escape can spell one).
  if (text.includes('__proto__') || text.includes('constructor') || text.includes('\\u')) rejectPoisonedKeys(value);
  return value;
}

/** Replaces Fastify's JSON parser with parseJsonBody (the app's bodyLimit still applies). */
export function registerJsonParser(app: FastifyInstance): void {
  app.removeContentTypeParser('application/json');
  app.addContentTypeParser('application/json', { parseAs: 'string' }, (_request, body, done) => {
    try {
      done(null, parseJsonBody(body as string));
    } catch (error) {
      done(error as Error, undefined);
    }
  });
}
