// Dependency policies (cockatiel): retries with backoff, the breaker opening and half-opening,
// per-attempt timeouts, errors as RvErrors, state changes to listeners, readiness.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { setTimeout as sleep } from 'node:timers/promises';
import { RvError } from '../../../src/errors.js';
import { DependencyPolicies } from '../../../src/reliability/policies.js';

const fast = { initialDelayMs: 1, maxDelayMs: 5 };

test('a transient failure is retried and the call succeeds', async () => {
  const policy = new DependencyPolicies().create({ name: 'jwks', retries: 3, ...fast });
  let attempts = 0;
  const value = await policy.execute(async () => {
    attempts++;
    if (attempts < 3) throw new Error('ECONNRESET');
    return 'keys';
  });
  assert.equal(value, 'keys');
  assert.equal(attempts, 3);
  assert.equal(policy.state, 'closed');
});

test('a non-retryable RvError is the dependency answering: not retried, not counted by the breaker', async () => {
  const policy = new DependencyPolicies().create({ name: 'backup:file', retries: 3, breakAfterFailures: 1, ...fast });
  let attempts = 0;
  const notFound = new RvError('RV_SNAPSHOT_NOT_FOUND', 'no such part');
  for (let i = 0; i < 3; i++) await assert.rejects(policy.execute(async () => { attempts++; throw notFound; }), (error) => error === notFound);
  assert.equal(attempts, 3, 'one attempt per call');
  assert.equal(policy.state, 'closed');
});

test('consecutive failures open the breaker: calls fail fast with RV_DEPENDENCY_UNAVAILABLE and Retry-After; half-open after the pause; a success closes it', async () => {
  const policies = new DependencyPolicies();
  const seen: string[] = [];
  policies.observe((name, state) => seen.push(`${name}=${state}`));
  const policy = policies.create({ name: 'secrets:vault', retries: 0, breakAfterFailures: 2, halfOpenAfterMs: 100, ...fast });
  let calls = 0;
  const failing = async (): Promise<string> => { calls++; throw new Error('connect ECONNREFUSED'); };
  await assert.rejects(policy.execute(failing), /ECONNREFUSED/);
  await assert.rejects(policy.execute(failing), /ECONNREFUSED/);
  assert.equal(policy.state, 'open');
  await assert.rejects(policy.execute(failing), (error: { code: string; retryable: boolean; details: { retryAfterSeconds: number; dependency: string } }) => {
    assert.equal(error.code, 'RV_DEPENDENCY_UNAVAILABLE');
    assert.equal(error.retryable, true);
    assert.equal(error.details.retryAfterSeconds, 1);
    assert.equal(error.details.dependency, 'secrets:vault');
    return true;
  });
  assert.equal(calls, 2, 'the open breaker did not call the dependency');
  assert.deepEqual(policies.unhealthy().map((s) => [s.name, s.state, s.lastFailure]), [['secrets:vault', 'open', 'connect ECONNREFUSED']]);
  await sleep(150);
  assert.equal(await policy.execute(async () => 'ok'), 'ok', 'the trial call passes');
  assert.equal(policy.state, 'closed');
  assert.deepEqual(seen, ['secrets:vault=closed', 'secrets:vault=open', 'secrets:vault=half_open', 'secrets:vault=closed']);
});

test('an attempt over its time limit is aborted (its signal fires) and reported as RV_DEPENDENCY_TIMEOUT', async () => {
  const policy = new DependencyPolicies().create({ name: 'backup:s3', timeoutMs: 30, retries: 1, ...fast });
  const signals: AbortSignal[] = [];
  await assert.rejects(policy.execute((signal) => { signals.push(signal); return new Promise(() => undefined); }), (error: { code: string; kind: string; message: string }) => {
    assert.equal(error.code, 'RV_DEPENDENCY_TIMEOUT');
    assert.equal(error.kind, 'timeout');
    assert.match(error.message, /"backup:s3" did not answer within 30 ms/);
    return true;
  });
  assert.equal(signals.length, 2, 'one retry');
  assert.ok(signals.every((signal) => signal.aborted), 'each timed-out attempt was told to stop');
});

test('readiness fails only while a critical breaker is open; listeners added later get the current states', async () => {
  const policies = new DependencyPolicies();
  const optional = policies.create({ name: 'jwks', retries: 0, breakAfterFailures: 1, halfOpenAfterMs: 60_000 });
  await assert.rejects(optional.execute(async () => { throw new Error('down'); }));
  assert.equal(policies.ready, true, 'an optional dependency does not make the node unready');
  const critical = policies.create({ name: 'cluster', retries: 0, breakAfterFailures: 1, halfOpenAfterMs: 60_000, critical: true });
  assert.equal(policies.create({ name: 'cluster' }), critical, 'one policy per name');
  await assert.rejects(critical.execute(async () => { throw new Error('down'); }));
  assert.equal(policies.ready, false);
  const late: string[] = [];
  policies.observe((name, state) => late.push(`${name}=${state}`));
  assert.deepEqual(late, ['jwks=open', 'cluster=open']);
});

test('a listener that throws (e.g. a metric rejecting the name) never breaks the calls it observes', async () => {
  const policies = new DependencyPolicies();
  policies.observe(() => { throw new Error('metric name too long'); });
  const policy = policies.create({ name: 'x'.repeat(200), retries: 0, breakAfterFailures: 1, halfOpenAfterMs: 60_000 });
  await assert.rejects(policy.execute(async () => { throw new Error('down'); }), /down/);
  assert.equal(policy.state, 'open');
  await assert.rejects(policy.execute(async () => 'never'), { code: 'RV_DEPENDENCY_UNAVAILABLE' });
});
