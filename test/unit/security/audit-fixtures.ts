// Fixtures of the audit tests: a temp directory, a log filled with numbered events, and
// helpers that tamper with its files as an attacker with write access would.
import { mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { AuditLog, hashEntry, entryLine, type AuditEntry, type AuditLogOptions } from '../../../src/security/audit/index.js';

export function auditDir(t: { after(fn: () => unknown): void }): string {
  const dir = mkdtempSync(join(tmpdir(), 'rv-audit-'));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  return dir;
}

/** Writes `count` events (`action` = `test.N`) and closes the log. */
export async function writeEvents(dir: string, count: number, options: Partial<AuditLogOptions> = {}): Promise<AuditEntry[]> {
  const log = await AuditLog.open({ dir, fsyncBatchCount: 7, ...options });
  const entries: AuditEntry[] = [];
  try {
    for (let i = 1; i <= count; i++) {
      entries.push(log.record({ principal: `key:${i % 3}`, action: `test.${i}`, resource: `collection/c${i % 2}`, result: i % 5 === 0 ? 'denied' : 'success', metadata: { points: i } }));
    }
  } finally {
    await log.close();
  }
  return entries;
}

export function auditFiles(dir: string): string[] {
  return readdirSync(dir).filter((name) => name.startsWith('audit-') && name.endsWith('.jsonl')).sort();
}

export function readLines(path: string): string[] {
  return readFileSync(path, 'utf8').split('\n').filter((line) => line.length > 0);
}

export function writeLines(path: string, lines: string[]): void {
  writeFileSync(path, lines.map((line) => `${line}\n`).join(''));
}

/** Re-hashes an edited entry (plain SHA-256 or a given key), as an attacker would. */
export function rehash(entry: AuditEntry, hmacKey?: Uint8Array): string {
  return entryLine({ ...entry, hash: hashEntry(entry, hmacKey === undefined ? {} : { hmacKey }) });
}

/** Rewrites every entry of every file with a new chain (an attacker without the HMAC key). */
export function recomputeChain(dir: string, edit: (entry: AuditEntry) => AuditEntry = (e) => e): void {
  let prev = '0'.repeat(64);
  for (const name of auditFiles(dir)) {
    const path = join(dir, name);
    const lines = readLines(path).map((line) => {
      const entry = edit({ ...(JSON.parse(line) as AuditEntry), prev_hash: prev });
      const hash = hashEntry(entry, {});
      prev = hash;
      return entryLine({ ...entry, hash });
    });
    writeLines(path, lines);
  }
  const head = JSON.parse(readFileSync(join(dir, 'head.json'), 'utf8')) as { hash: string };
  writeFileSync(join(dir, 'head.json'), JSON.stringify({ ...head, hash: prev }));
}
