// Time limits by class, Qdrant's `timeout` parameter capped, and the Deadline's race and checks.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Deadline, DEFAULT_REQUEST_TIMEOUTS, timeLimitMs } from '../../../src/reliability/request-timeouts.js';

test('class defaults: read 5 s, write 30 s, admin 60 s', () => {
  assert.equal(timeLimitMs('read', undefined, DEFAULT_REQUEST_TIMEOUTS), 5000);
  assert.equal(timeLimitMs('write', undefined, DEFAULT_REQUEST_TIMEOUTS), 30000);
  assert.equal(timeLimitMs('admin', undefined, DEFAULT_REQUEST_TIMEOUTS), 60000);
});

test('the timeout parameter (seconds) replaces the default, capped at max_timeout_seconds', () => {
  const limits = { ...DEFAULT_REQUEST_TIMEOUTS, maxTimeoutSeconds: 120 };
  assert.equal(timeLimitMs('read', 2, limits), 2000);
  assert.equal(timeLimitMs('read', 60, limits), 60000, 'a longer limit than the class default may be asked for');
  assert.equal(timeLimitMs('write', 3600, limits), 120000, 'capped');
  assert.equal(timeLimitMs('read', 0, limits), 5000, 'zero is ignored');
  assert.equal(timeLimitMs('read', Number.NaN, limits), 5000);
});

test('race: work that outlives the deadline rejects with a retryable RV_TIMEOUT naming class and limit', async () => {
  const deadline = new Deadline('write', 30);
  let finish: (value: string) => void = () => undefined;
  const work = new Promise<string>((resolve) => { finish = resolve; });
  await assert.rejects(deadline.race(work), (error: { code: string; retryable: boolean; kind: string; message: string }) => {
    assert.equal(error.code, 'RV_TIMEOUT');
    assert.equal(error.kind, 'timeout');
    assert.equal(error.retryable, true);
    assert.match(error.message, /write request did not finish within 30 ms; the operation may still be applied: retry it with the same point ids/);
    return true;
  });
  assert.equal(deadline.signal.aborted, true, 'the signal tells the work to stop');
  finish('late'); // the late outcome is swallowed, no unhandled rejection
  deadline.dispose();
});

test('race: work that finishes first wins, and the timer is cleared', async () => {
  const deadline = new Deadline('read', 10_000);
  assert.equal(await deadline.race(Promise.resolve(42)), 42);
  deadline.dispose();
  assert.equal(deadline.expired, false);
});

test('throwIfExpired checks the clock, so synchronous loops stop even while the timer cannot fire', () => {
  const deadline = new Deadline('read', 20);
  deadline.throwIfExpired();
  const until = Date.now() + 30;
  while (Date.now() < until) { /* a synchronous unit of work; timers cannot run meanwhile */ }
  assert.throws(() => deadline.throwIfExpired(), { code: 'RV_TIMEOUT' });
  assert.equal(deadline.expired, true);
  deadline.dispose();
});
