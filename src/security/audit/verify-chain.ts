/**
 * Offline verification of an audit directory: walks every entry of every file in chain order
 * and reports the first one that breaks the chain — with its file, line and why:
 *
 * - modified:     its hash does not match its content, or it was changed and re-hashed (the
 *                 next entry's prev_hash no longer matches it);
 * - deleted:      entries are missing before it (a gap in seq and in the hash links);
 * - inserted:     it is not part of the chain (the next entry links over it);
 * - reordered:    it is out of place (the entry expected here comes later);
 * - truncated:    an incomplete last line, or head.json records entries beyond the end;
 * - missing_file: a gap in the file numbers, or files at the end removed;
 * - anchor:       anchor.json (retention) disagrees with the chain.
 *
 * Files are read one at a time (a file is bounded by the rotation size). With an HMAC key the
 * chain must verify under that key: a chain recomputed without it fails at its first entry.
 */
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { ANCHOR_FILE, HEAD_FILE, auditFileName, listAuditFiles, readJsonFile, type AuditAnchor, type AuditFile, type AuditHead } from './audit-files.js';
import { GENESIS_HASH, entryShapeProblem, hashEntry, type AuditEntry, type ChainKey } from './audit-entry.js';

export type TamperKind = 'modified' | 'deleted' | 'inserted' | 'reordered' | 'truncated' | 'missing_file' | 'anchor';

/** The first place the chain breaks. `line` counts from 1; null when the problem is a whole file. */
export interface ChainProblem {
  kind: TamperKind;
  file: string;
  line: number | null;
  seq: number | null;
  reason: string;
}

export interface VerifyReport {
  ok: boolean;
  /** Files checked (those before the retention anchor are not counted). */
  files: number;
  entries: number;
  firstSeq: number | null;
  lastSeq: number | null;
  lastHash: string | null;
  /** The writer's last line is still being written (or was torn by a crash) beyond head.json: not tampering. */
  incompleteTail: boolean;
  problem?: ChainProblem;
}

interface Position {
  file: string;
  line: number;
  seq: number;
  hash: string;
}

/** Recent entries by hash, to recognise an entry that links back over inserted lines. */
const WINDOW = 4096;

/** Lines of a file: `complete` is false for a last line without its newline. */
async function fileLines(path: string): Promise<{ text: string; complete: boolean }[]> {
  const content = await readFile(path, 'utf8');
  if (content.length === 0) return [];
  const parts = content.split('\n');
  const tail = parts.pop() as string;
  const lines = parts.map((text) => ({ text, complete: true }));
  if (tail.length > 0) lines.push({ text: tail, complete: false });
  return lines;
}

type Parsed = { entry: AuditEntry; problem?: undefined } | { entry?: undefined; problem: string };

function parse(text: string): Parsed {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    return { problem: 'not valid JSON' };
  }
  const problem = entryShapeProblem(value);
  return problem === undefined ? { entry: value as AuditEntry } : { problem };
}

function describeFile(number: number): string {
  return auditFileName(number, '*').replace('-*.', '-YYYYMMDD.');
}

/**
 * Verifies the audit log in `dir`.
 * @example
 *   const report = await verifyAuditLog('./data/audit', { hmacKey });
 *   if (!report.ok) console.error(`${report.problem.file}:${report.problem.line}: ${report.problem.reason}`);
 */
export async function verifyAuditLog(dir: string, key: ChainKey = {}): Promise<VerifyReport> {
  const all = await listAuditFiles(dir);
  const report: VerifyReport = { ok: true, files: 0, entries: 0, firstSeq: null, lastSeq: null, lastHash: null, incompleteTail: false };
  const fail = (problem: ChainProblem): VerifyReport => ({ ...report, ok: false, problem });
  let head: AuditHead | undefined;
  let anchor: AuditAnchor | undefined;
  for (const name of [HEAD_FILE, ANCHOR_FILE]) {
    try {
      const value = await readJsonFile(join(dir, name));
      if (name === HEAD_FILE) head = value as AuditHead | undefined;
      else anchor = value as AuditAnchor | undefined;
    } catch (error) {
      if ((error as { code?: string }).code !== 'RV_AUDIT_TAMPERED') throw error;
      return fail({ kind: 'modified', file: name, line: null, seq: null, reason: `${name} is not valid JSON` });
    }
  }

  const startFile = anchor?.first_file ?? 1;
  let expectedSeq = anchor?.first_seq ?? 1;
  let expectedPrev = anchor?.prev_hash ?? GENESIS_HASH;
  const files = all.filter((f) => f.number >= startFile);
  const headSeq = head?.seq ?? 0;
  // An empty last file beyond head.json is a rotation that crashed before its first write.
  if (files.length > 0 && head !== undefined && files[files.length - 1].number > head.file) {
    const lastFile = files[files.length - 1];
    if ((await readFile(join(dir, lastFile.name))).length === 0) files.pop();
  }
  if (all.length > 0 && head === undefined) {
    return fail({ kind: 'truncated', file: HEAD_FILE, line: null, seq: null, reason: 'head.json is missing, so removed entries at the end cannot be ruled out' });
  }
  if (files.length === 0) {
    if (headSeq >= expectedSeq) return fail({ kind: 'missing_file', file: describeFile(startFile), line: null, seq: null, reason: `no audit file is left, but head.json records entries up to seq ${headSeq}` });
    return report;
  }
  if (files[0].number !== startFile) {
    return fail({ kind: 'missing_file', file: describeFile(startFile), line: null, seq: expectedSeq, reason: anchor === undefined ? `the first file of the chain (number ${startFile}) is missing` : `the first file after retention (number ${startFile}, per anchor.json) is missing` });
  }

  const window = new Map<string, Position>();
  const order: Position[] = [];
  let previous: Position | undefined;
  let anchorBacked = anchor === undefined;
  let headChecked = false;
  let lastFileNumber = startFile - 1;

  for (let f = 0; f < files.length; f++) {
    const file: AuditFile = files[f];
    if (file.number !== lastFileNumber + 1) {
      return fail({ kind: 'missing_file', file: describeFile(lastFileNumber + 1), line: null, seq: expectedSeq, reason: `file number ${lastFileNumber + 1} is missing between ${files[f - 1]?.name ?? 'the start'} and ${file.name}` });
    }
    lastFileNumber = file.number;
    report.files += 1;
    const lines = await fileLines(join(dir, file.name));
    const isLastFile = f === files.length - 1;
    if (lines.length === 0 && !isLastFile) {
      return fail({ kind: 'deleted', file: file.name, line: null, seq: expectedSeq, reason: 'the file is empty: its entries were removed' });
    }
    for (let i = 0; i < lines.length; i++) {
      const lineNo = i + 1;
      const at = (kind: TamperKind, reason: string, seq: number | null = null): VerifyReport => fail({ kind, file: file.name, line: lineNo, seq, reason });
      const { text, complete } = lines[i];
      if (!complete) {
        if (isLastFile && i === lines.length - 1 && (report.lastSeq ?? 0) >= headSeq) {
          report.incompleteTail = true;
          break;
        }
        return at('truncated', 'the entry is cut short (no end of line)');
      }
      const parsed = parse(text);
      const peekLinksOver = (): boolean => {
        const next = i + 1 < lines.length ? parse(lines[i + 1].text).entry : undefined;
        return next !== undefined && next.prev_hash === expectedPrev && next.seq === expectedSeq;
      };
      if (parsed.entry === undefined) {
        if (peekLinksOver()) return at('inserted', `not part of the chain (${parsed.problem}); the next entry links to the one before it`);
        return at('modified', `the entry is damaged: ${parsed.problem}`);
      }
      const entry = parsed.entry;
      if (hashEntry(entry, key) !== entry.hash) {
        if (peekLinksOver()) return at('inserted', `not part of the chain (seq ${entry.seq}); the next entry links to the one before it`, entry.seq);
        const hint = key.hmacKey === undefined ? '' : ' under the HMAC key (modified, or re-hashed without the key)';
        return at('modified', `the hash does not match the entry's content${hint}`, entry.seq);
      }
      if (entry.prev_hash !== expectedPrev || entry.seq !== expectedSeq) {
        const linked = window.get(entry.prev_hash);
        if (linked !== undefined && previous !== undefined && linked !== previous) {
          const firstInserted = order[order.indexOf(linked) + 1];
          return fail({ kind: 'inserted', file: firstInserted.file, line: firstInserted.line, seq: firstInserted.seq, reason: `not part of the chain: ${file.name} line ${lineNo} (seq ${entry.seq}) links to the entry before it` });
        }
        let laterAt: number | undefined;
        for (let j = i + 1; j < lines.length && laterAt === undefined; j++) {
          const later = parse(lines[j].text).entry;
          if (later !== undefined && (later.seq === expectedSeq || later.prev_hash === expectedPrev)) laterAt = j + 1;
        }
        if (laterAt !== undefined) return at('reordered', `out of order: seq ${entry.seq} found where seq ${expectedSeq} was expected (that entry is at line ${laterAt})`, entry.seq);
        if (entry.seq > expectedSeq) {
          const missing = entry.seq - expectedSeq;
          return at('deleted', `${missing} entr${missing === 1 ? 'y is' : 'ies are'} missing before this one (seq ${expectedSeq}${missing > 1 ? `–${entry.seq - 1}` : ''})`, entry.seq);
        }
        if (entry.seq === expectedSeq && previous !== undefined) {
          return fail({ kind: 'modified', file: previous.file, line: previous.line, seq: previous.seq, reason: `the entry was changed and re-hashed: the next entry (${file.name} line ${lineNo}) carries a prev_hash that does not match it` });
        }
        if (entry.seq === expectedSeq) return at('modified', 'prev_hash does not match where the chain starts (genesis or anchor.json)', entry.seq);
        return at('inserted', `seq ${entry.seq} repeats or goes back (expected ${expectedSeq})`, entry.seq);
      }
      // Linked: record it and move on.
      const position: Position = { file: file.name, line: lineNo, seq: entry.seq, hash: entry.hash };
      window.set(entry.hash, position);
      order.push(position);
      if (order.length > WINDOW) window.delete((order.shift() as Position).hash);
      previous = position;
      report.entries += 1;
      report.firstSeq ??= entry.seq;
      report.lastSeq = entry.seq;
      report.lastHash = entry.hash;
      expectedPrev = entry.hash;
      expectedSeq = entry.seq + 1;
      if (head !== undefined && entry.seq === head.seq) {
        headChecked = true;
        if (entry.hash !== head.hash) return fail({ kind: 'modified', file: HEAD_FILE, line: null, seq: entry.seq, reason: `head.json records hash ${head.hash.slice(0, 12)}… for seq ${entry.seq}, the chain has ${entry.hash.slice(0, 12)}…` });
      }
      if (anchor !== undefined && entry.seq === anchor.retention_seq) {
        const m = entry.metadata;
        if (entry.action !== 'audit.retention' || m.first_retained_file !== anchor.first_file || m.first_retained_seq !== anchor.first_seq || m.first_retained_prev_hash !== anchor.prev_hash) {
          return fail({ kind: 'anchor', file: ANCHOR_FILE, line: null, seq: entry.seq, reason: `anchor.json does not match the audit.retention entry it names (${file.name} line ${lineNo}): files at the start were removed outside retention` });
        }
        anchorBacked = true;
      }
    }
  }
  const last = files[files.length - 1];
  if (head !== undefined && head.file > last.number && headSeq > (report.lastSeq ?? 0)) {
    return fail({ kind: 'missing_file', file: describeFile(last.number + 1), line: null, seq: (report.lastSeq ?? 0) + 1, reason: `files after ${last.name} are missing: head.json records entries up to seq ${headSeq} in file number ${head.file}` });
  }
  if (headSeq > (report.lastSeq ?? 0)) {
    return fail({ kind: 'truncated', file: last.name, line: null, seq: (report.lastSeq ?? 0) + 1, reason: `the log ends at seq ${report.lastSeq ?? 0} but head.json records entries up to seq ${headSeq}: entries were removed from the end` });
  }
  if (head !== undefined && head.seq > 0 && head.seq >= (report.firstSeq ?? Infinity) && !headChecked) {
    return fail({ kind: 'modified', file: HEAD_FILE, line: null, seq: head.seq, reason: `head.json names seq ${head.seq}, which is not in the chain` });
  }
  if (!anchorBacked) {
    return fail({ kind: 'anchor', file: ANCHOR_FILE, line: null, seq: anchor?.retention_seq ?? null, reason: `anchor.json names audit.retention entry seq ${anchor?.retention_seq}, which is not in the retained chain` });
  }
  return report;
}
