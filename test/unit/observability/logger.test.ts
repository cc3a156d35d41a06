// The logger on its own: redaction paths, run-time level, correlation ids, text format.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Writable } from 'node:stream';
import { correlationIdOf, createLogger, formatTextLine, setLogLevel } from '../../../src/observability/index.js';

function capture(): { stream: Writable; text: () => string } {
  const chunks: string[] = [];
  const stream = new Writable({
    write(chunk: Buffer, _encoding, callback) {
      chunks.push(chunk.toString('utf8'));
      callback();
    },
  });
  return { stream, text: () => chunks.join('') };
}

test('credentials, secrets and vectors are redacted by construction', () => {
  const { stream, text } = capture();
  const logger = createLogger({ level: 'info', format: 'json' }, stream);
  logger.info({
    req: { headers: { 'api-key': 'k1', authorization: 'Bearer t1', cookie: 'c1', host: 'localhost' } },
    headers: { 'api-key': 'k2' },
    apiKey: 'k3',
    config: { password: 'p1', secret: 's1', read_only_api_key: 'k4', token: 't2' },
    point: { id: 7, vector: [0.123456, 0.654321] },
  }, 'everything');
  const line = JSON.parse(text()) as { req: { headers: Record<string, string> }; point: { id: number; vector: unknown } };
  for (const secret of ['k1', 't1', 'c1', 'k2', 'k3', 'p1', 's1', 'k4', 't2', '0.123456']) assert.ok(!text().includes(`"${secret}`) && !text().includes(secret), secret);
  assert.equal(line.req.headers.host, 'localhost', 'other headers stay');
  assert.equal(line.point.id, 7);
  assert.equal(line.point.vector, '[REDACTED]');
});

test('setLogLevel changes a running logger and rejects unknown levels', () => {
  const { stream, text } = capture();
  const logger = createLogger({ level: 'info', format: 'json' }, stream);
  logger.debug('hidden');
  assert.equal(setLogLevel(logger, 'debug').level, 'debug');
  logger.debug('shown');
  assert.ok(!text().includes('hidden'));
  assert.ok(text().includes('shown'));
  assert.throws(() => setLogLevel(logger, 'verbose'), { code: 'RV_INVALID_ARGUMENT', message: /log level "verbose" is not one of fatal, error/ });
  assert.equal(logger.level, 'debug');
});

test('correlation ids: X-Correlation-ID, else X-Request-ID, else a UUID; hostile values ignored', () => {
  assert.equal(correlationIdOf({ 'x-correlation-id': 'c-1', 'x-request-id': 'r-1' }), 'c-1');
  assert.equal(correlationIdOf({ 'x-request-id': 'r-1' }), 'r-1');
  assert.equal(correlationIdOf({ 'x-correlation-id': 'bad\nid', 'x-request-id': 'r-2' }), 'r-2');
  assert.match(correlationIdOf({ 'x-correlation-id': 'x'.repeat(129) }), /^[0-9a-f-]{36}$/);
  assert.match(correlationIdOf({}), /^[0-9a-f-]{36}$/);
});

test('text format renders one readable line', () => {
  const line = formatTextLine(JSON.stringify({ level: 30, time: 0, msg: 'hello', pid: 1, reqId: 'r' }));
  assert.equal(line, '1970-01-01T00:00:00.000Z INFO  hello reqId=r\n');
});
