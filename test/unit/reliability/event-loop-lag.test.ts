// The sustained-lag rule of load shedding, fed fixed samples (no timers, no real clock).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { SustainedLagDetector } from '../../../src/reliability/event-loop-lag.js';
import { LoadShedder } from '../../../src/reliability/load-shedder.js';

const detector = (): SustainedLagDetector => new SustainedLagDetector({ maxDelayMs: 100, sustainedMs: 1000 });

test('one long stall never sheds: a single late sample followed by an on-time one', () => {
  const lag = detector();
  lag.record(5, 0);
  lag.record(8000, 8100); // the loop was blocked for 8 s
  assert.equal(lag.lagging, false, 'one late sample is not sustained lag');
  lag.record(2, 8200);
  assert.equal(lag.lagging, false);
  assert.equal(lag.runMilliseconds, 0);
});

test('late sample after late sample for the sustained window sheds; an odd on-time tick does not reset it; recovery ends it', () => {
  const lag = detector(); // recovery defaults to maxDelayMs = 100 ms
  // A loop hogged by back-to-back 300 ms tasks: every probe tick fires ~300 ms late.
  for (const [delay, at] of [[300, 300], [290, 600], [310, 900], [300, 1200]]) {
    lag.record(delay, at);
    assert.equal(lag.lagging, false, `the run has lasted ${at - 300} ms < 1000 ms at ${at} ms`);
  }
  lag.record(3, 1210); // a tick that slipped through on time between two tasks
  lag.record(305, 1300);
  assert.equal(lag.lagging, true, 'late samples spanning 1000 ms');
  assert.equal(lag.runMilliseconds, 1000);
  assert.equal(lag.lastDelayMilliseconds, 305);
  lag.record(101, 1450);
  assert.equal(lag.lagging, true, '101 ms is still over the 100 ms limit');
  lag.record(100, 1500);
  lag.record(2, 1540);
  assert.equal(lag.lagging, true, 'on time for 90 ms: within the recovery time');
  lag.record(2, 1560);
  assert.equal(lag.lagging, false, 'on time for 110 ms > 100 ms: the run is over');
  lag.record(400, 2100);
  assert.equal(lag.lagging, false, 'a new run starts from zero');
});

test('two stalls with on-time seconds between them are not a sustained run', () => {
  const lag = detector();
  lag.record(2000, 2000);
  lag.record(3, 2100);
  lag.record(2000, 7000); // on time from 2000 to 5000
  assert.equal(lag.lagging, false);
  assert.equal(lag.runMilliseconds, 0);
});

test('sustainedMs 0: a single late sample sheds (an operator may choose that)', () => {
  const lag = new SustainedLagDetector({ maxDelayMs: 50, sustainedMs: 0 });
  lag.record(49, 10);
  assert.equal(lag.lagging, false);
  lag.record(51, 20);
  assert.equal(lag.lagging, true);
});

test('the in-flight limit sheds with RV_OVERLOADED and Retry-After; released slots admit again', (t) => {
  const shedder = new LoadShedder({ maxInFlight: 2, retryAfterSeconds: 3 });
  t.after(() => shedder.stop());
  shedder.admit();
  shedder.admit();
  assert.throws(() => shedder.admit(), (error: { code: string; retryable: boolean; details: { retryAfterSeconds: number }; message: string }) => {
    assert.equal(error.code, 'RV_OVERLOADED');
    assert.equal(error.retryable, true);
    assert.equal(error.details.retryAfterSeconds, 3);
    assert.match(error.message, /2 requests in flight, at the limit of 2/);
    return true;
  });
  shedder.release();
  assert.doesNotThrow(() => shedder.admit());
  assert.equal(shedder.inFlight, 2);
  assert.equal(shedder.eventLoopLagging, false, 'no probe without maxEventLoopDelayMs');
});

test('bad limits are refused', () => {
  assert.throws(() => new LoadShedder({ maxEventLoopDelayMs: 0 }), { code: 'RV_INVALID_ARGUMENT' });
  assert.throws(() => new LoadShedder({ eventLoopSustainedMs: -1 }), { code: 'RV_INVALID_ARGUMENT' });
});
