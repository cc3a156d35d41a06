/**
 * `npm run bench:backup` — backup and restore times for the RPO/RTO figures of
 * docs/operations/backup-restore.md, on this machine, to a local `file://` target:
 *
 *   full backup        of N × D points (online SQLite copy + index checkpoint, gzip, SHA-256)
 *   incremental        after U more upserts (the op-log range since the full backup)
 *   restore            full + incremental into an empty directory (verify every part, write,
 *                      replay the op log through the engine), then the time to open it
 *   encrypted full     the same full backup sealed with the keyring's AES-256-GCM envelope
 *
 * Not a test: prints figures and writes bench/results/backup-latest.json.
 *
 *   npm run bench:backup                         100,000 × 128-d, 10,000 updates
 *   npm run bench:backup -- --points 20000       a quicker run
 */
import { randomBytes } from 'node:crypto';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { cpus, loadavg, tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { parseArgs } from 'node:util';
import { Database } from '../src/engine/index.js';
import { Keyring } from '../src/security/crypto/index.js';
import { createBackup, openBackupTarget, restoreBackup, verifyBackup } from '../src/backup/index.js';
import { clusteredDataset } from './dataset.js';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const { values: args } = parseArgs({
  options: {
    points: { type: 'string', default: '100000' },
    dim: { type: 'string', default: '128' },
    updates: { type: 'string', default: '10000' },
  },
});
const COUNT = Number(args.points);
const DIM = Number(args.dim);
const UPDATES = Number(args.updates);
const BATCH = 1000;

function log(message: string): void {
  process.stdout.write(`${message}\n`);
}

async function timed<T>(fn: () => Promise<T>): Promise<[T, number]> {
  const started = performance.now();
  const result = await fn();
  return [result, (performance.now() - started) / 1000];
}

const mib = (bytes: number): number => Math.round((bytes / (1 << 20)) * 10) / 10;

async function main(): Promise<void> {
  const work = mkdtempSync(join(tmpdir(), 'rv-backup-bench-'));
  try {
    log(`backup bench: ${COUNT.toLocaleString('en-US')} × ${DIM}-d points, ${UPDATES.toLocaleString('en-US')} updates, ${cpus().length} CPUs, load ${loadavg()[0].toFixed(2)}`);
    const data = clusteredDataset({ count: COUNT + UPDATES, queries: 0, dim: DIM, centres: 1000, sigma: 0.5, seed: 7 });
    const db = await Database.open({ path: join(work, 'source'), retainOpsForBackup: true });
    await db.createCollection('bench', { vectors: { size: DIM, distance: 'Cosine' } });
    const c = db.collection('bench');
    const [, loadSeconds] = await timed(async () => {
      for (let i = 0; i < COUNT; i += BATCH) {
        const points = [];
        for (let j = i; j < Math.min(COUNT, i + BATCH); j++) points.push({ id: j, vector: Array.from(data.base[j]), payload: { group: j % 100, label: `p${j}` } });
        await c.upsert({ points });
      }
      c.shard.flushIndex();
    });
    log(`  load + index build: ${loadSeconds.toFixed(1)} s (not part of the figures)`);

    const target = openBackupTarget(pathToFileURL(join(work, 'backups')).href);
    const [full, fullSeconds] = await timed(() => createBackup({ db, target, type: 'full' }));
    log(`  full backup: ${fullSeconds.toFixed(1)} s, ${mib(full.totalBytes)} MiB stored (${mib(full.parts.reduce((n, p) => n + p.plainBytes, 0))} MiB before gzip)`);

    const [, updateSeconds] = await timed(async () => {
      for (let i = 0; i < UPDATES; i += BATCH) {
        const points = [];
        for (let j = i; j < Math.min(UPDATES, i + BATCH); j++) points.push({ id: j * 7 % COUNT, vector: Array.from(data.base[COUNT + j]), payload: { group: j % 100, updated: true } });
        await c.upsert({ points });
      }
    });
    const [inc, incSeconds] = await timed(() => createBackup({ db, target, type: 'incremental' }));
    log(`  incremental backup (${UPDATES.toLocaleString('en-US')} updates in ${inc.shards[0].ops} ops; writes took ${updateSeconds.toFixed(1)} s): ${incSeconds.toFixed(1)} s, ${mib(inc.totalBytes)} MiB`);

    const [, verifySeconds] = await timed(() => verifyBackup(target, inc.id, undefined));
    log(`  verify (chain, SHA-256, decompression): ${verifySeconds.toFixed(1)} s`);

    const restoredDir = join(work, 'restored');
    const [restored, restoreSeconds] = await timed(() => restoreBackup({ target, id: inc.id, dataDir: restoredDir }));
    log(`  restore full + incremental: ${restoreSeconds.toFixed(1)} s (${restored.collections[0].points.toLocaleString('en-US')} points, seq ${restored.collections[0].appliedSeq})`);
    const [reopened, openSeconds] = await timed(() => Database.open({ path: restoredDir }));
    const matches = reopened.collection('bench').count({}).count === c.count({}).count;
    await reopened.close();
    log(`  open the restored directory: ${openSeconds.toFixed(1)} s (point count matches the source: ${matches})`);

    const keyring = Keyring.create({ current: randomBytes(32) });
    const encryptedTarget = openBackupTarget(pathToFileURL(join(work, 'encrypted')).href);
    const [encrypted, encryptedSeconds] = await timed(() => createBackup({ db, target: encryptedTarget, type: 'full', envelope: keyring.purposeEnvelope('backup') }));
    log(`  encrypted full backup: ${encryptedSeconds.toFixed(1)} s, ${mib(encrypted.totalBytes)} MiB`);
    await db.close();

    const result = {
      at: new Date().toISOString(), points: COUNT, dim: DIM, updates: UPDATES, cpus: cpus().length, load1: loadavg()[0],
      fullBackupSeconds: fullSeconds, fullBackupMiB: mib(full.totalBytes), fullPlainMiB: mib(full.parts.reduce((n, p) => n + p.plainBytes, 0)),
      incrementalSeconds: incSeconds, incrementalMiB: mib(inc.totalBytes), incrementalOps: inc.shards[0].ops,
      verifySeconds, restoreSeconds, openRestoredSeconds: openSeconds, encryptedFullBackupSeconds: encryptedSeconds, encryptedFullBackupMiB: mib(encrypted.totalBytes), restoredMatches: matches,
    };
    mkdirSync(join(root, 'bench', 'results'), { recursive: true });
    writeFileSync(join(root, 'bench', 'results', 'backup-latest.json'), `${JSON.stringify(result, null, 2)}\n`);
    log('  wrote bench/results/backup-latest.json');
  } finally {
    rmSync(work, { recursive: true, force: true });
  }
}

await main();
