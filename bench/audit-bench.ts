// Audit trail throughput: record() rate, durable rate with batched fsync (count 100 / 1 s,
// and count 1: a flush requested per event, coalesced while one runs), and verification speed. Prints figures and
// writes bench/results/audit-latest.json. Run: node --import tsx bench/audit-bench.ts
import { mkdtempSync, rmSync, writeFileSync, mkdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { AuditLog, verifyAuditLog } from '../src/security/audit/index.js';

const EVENTS = Number(process.env.AUDIT_BENCH_EVENTS ?? 100_000);

function event(i: number) {
  return {
    principal: `key:${i % 17}`, action: 'PUT /collections/:collection_name/points', resource: `collection/c${i % 5}`,
    result: 'success' as const, ip: '10.0.0.1', userAgent: 'bench/1.0', correlationId: `req-${i}`, durationMs: 1.25, metadata: { points: 100, status: 200 },
  };
}

async function run(label: string, events: number, options: { fsyncBatchCount: number; hmacKey?: Buffer }): Promise<Record<string, number | string>> {
  const dir = mkdtempSync(join(tmpdir(), 'rv-audit-bench-'));
  try {
    const log = await AuditLog.open({ dir, fsyncIntervalMs: 1000, ...options });
    const started = process.hrtime.bigint();
    for (let i = 0; i < events; i++) {
      log.record(event(i));
      // Yield now and then, as a server does between requests, so batches are written meanwhile.
      if (i % 1000 === 999) await new Promise((r) => setImmediate(r));
    }
    const recordedNs = Number(process.hrtime.bigint() - started);
    await log.close();
    const durableNs = Number(process.hrtime.bigint() - started);
    const verifyStart = process.hrtime.bigint();
    const report = await verifyAuditLog(dir, options.hmacKey === undefined ? {} : { hmacKey: options.hmacKey });
    const verifyNs = Number(process.hrtime.bigint() - verifyStart);
    if (!report.ok) throw new Error(`bench log does not verify: ${JSON.stringify(report.problem)}`);
    const result = {
      label, events,
      record_per_s: Math.round(events / (recordedNs / 1e9)),
      durable_per_s: Math.round(events / (durableNs / 1e9)),
      verify_per_s: Math.round(events / (verifyNs / 1e9)),
    };
    console.log(`${label.padEnd(28)} record ${result.record_per_s.toLocaleString()}/s  durable ${result.durable_per_s.toLocaleString()}/s  verify ${result.verify_per_s.toLocaleString()}/s`);
    return result;
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

const results = [
  await run('sha256, batch 100', EVENTS, { fsyncBatchCount: 100 }),
  await run('hmac-sha256, batch 100', EVENTS, { fsyncBatchCount: 100, hmacKey: Buffer.alloc(32, 1) }),
  await run('sha256, batch 1000', EVENTS, { fsyncBatchCount: 1000 }),
  await run('sha256, batch count 1', Math.min(EVENTS, 2000), { fsyncBatchCount: 1 }),
];
mkdirSync('bench/results', { recursive: true });
writeFileSync('bench/results/audit-latest.json', `${JSON.stringify({ at: new Date().toISOString(), node: process.version, results }, null, 2)}\n`);
