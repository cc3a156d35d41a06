/**
 * `ruvector audit verify [DIR]` and `ruvector audit export [DIR]`: offline checks and SIEM
 * export of the audit trail (security/audit). DIR defaults to the configured `audit.dir`
 * (`<storage.path>/audit`). Verify exits 0 when the chain is intact, and 7 (corrupted) naming
 * the first bad entry — file, line, kind and reason — when it is not.
 */
import { createWriteStream } from 'node:fs';
import { readFile, rename, rm } from 'node:fs/promises';
import { once } from 'node:events';
import { finished } from 'node:stream/promises';
import { loadConfig, type FlagValue } from '../../config/index.js';
import { RvError } from '../../errors.js';
import {
  auditDirFrom, decodeHmacKey, formatSyslog, scanAuditLog, sendToHttp, sendToSyslog, verifyAuditLog, writeNdjson, type AuditScan,
} from '../../security/audit/index.js';
import { createSecretProvider } from '../../security/secrets/index.js';
import { DependencyPolicies, secretsOutboundFor } from '../../reliability/index.js';
import { parseCommandArgs } from '../args.js';
import type { CliIo } from '../io.js';
import type { Command } from './command.js';

const HELP = `Usage:
  ruvector audit verify [DIR] [--hmac-key-env NAME | --hmac-key-file FILE] [--json]
  ruvector audit export [DIR] [--since T] [--until T] [--after-seq N]
                        [--format ndjson|syslog] [--output FILE | --http URL | --syslog URL]

verify   Checks the hash chain of every audit file in DIR. Exit 0: intact. Exit 7: the first
         modified, deleted, inserted, reordered or truncated entry, or missing file, is named
         as FILE:LINE: KIND: REASON on stderr.
export   Writes entries in chain order as NDJSON (the stored lines, hashes included) to stdout,
         to --output FILE, POSTs them in batches to --http URL (Content-Type
         application/x-ndjson), or sends RFC 5424 syslog to --syslog udp://HOST:PORT or
         tcp://HOST:PORT (octet-counted). --format syslog prints syslog lines instead of NDJSON.

  DIR                  audit directory (default: audit.dir, or <storage.path>/audit)
  --config FILE        TOML config to read audit.dir / storage.path / the HMAC key secret from
  --data-dir DIR       storage.path (the audit log is DIR/audit unless audit.dir is set)
  --hmac-key-env NAME  the HMAC key (base64) is in environment variable NAME
  --hmac-key-file FILE the HMAC key (base64) is in FILE
                       (default: the secret named by audit.hmac_key_secret, when set)
  --json               print the verification report as JSON on stdout
  --since T, --until T ISO 8601 time or epoch milliseconds
  --after-seq N        only entries after seq N (resume an export)
  --http-header 'Name: value'  extra header for --http (e.g. an Authorization token)`;

const OPTIONS = {
  config: { type: 'string' },
  'data-dir': { type: 'string' },
  'hmac-key-env': { type: 'string' },
  'hmac-key-file': { type: 'string' },
  json: { type: 'boolean' },
  since: { type: 'string' },
  until: { type: 'string' },
  'after-seq': { type: 'string' },
  format: { type: 'string' },
  output: { type: 'string' },
  http: { type: 'string' },
  'http-header': { type: 'string' },
  syslog: { type: 'string' },
} as const;

type Values = ReturnType<typeof parseCommandArgs<typeof OPTIONS>>['values'];

function configFor(values: Values, io: CliIo): ReturnType<typeof loadConfig>['config'] {
  const flags: FlagValue[] = [];
  if (values['data-dir'] !== undefined) flags.push({ path: 'storage.path', flag: '--data-dir', value: values['data-dir'] });
  return loadConfig({ file: values.config, env: io.env, flags }).config;
}

async function hmacKeyFor(values: Values, io: CliIo, config: () => ReturnType<typeof configFor>): Promise<Buffer | undefined> {
  const envName = values['hmac-key-env'];
  const file = values['hmac-key-file'];
  if (envName !== undefined && file !== undefined) throw new RvError('RV_INVALID_ARGUMENT', 'give --hmac-key-env or --hmac-key-file, not both', { details: { field: 'hmac-key-env' } });
  if (envName !== undefined) {
    const value = io.env[envName];
    if (value === undefined || value === '') throw new RvError('RV_INVALID_ARGUMENT', `--hmac-key-env: environment variable ${envName} is not set`, { details: { field: 'hmac-key-env' } });
    return decodeHmacKey(value, `environment variable ${envName}`);
  }
  if (file !== undefined) {
    const text = await readFile(file, 'utf8').catch((error: unknown) => { throw new RvError('RV_INVALID_ARGUMENT', `--hmac-key-file: cannot read ${file}: ${(error as Error).message}`, { details: { field: 'hmac-key-file' } }); });
    return decodeHmacKey(text, `file ${file}`);
  }
  const loaded = config();
  if (loaded.audit.hmac_key_secret === undefined) return undefined;
  const secrets = createSecretProvider(loaded.secrets, io.env as NodeJS.ProcessEnv, secretsOutboundFor(loaded.secrets, new DependencyPolicies()));
  return decodeHmacKey(await secrets.get(loaded.audit.hmac_key_secret), `secret ${JSON.stringify(loaded.audit.hmac_key_secret)}`);
}

function timeOption(flag: string, value: string | undefined): Date | undefined {
  if (value === undefined) return undefined;
  const ms = /^\d{1,15}$/.test(value) ? Number(value) : Date.parse(value);
  if (!Number.isFinite(ms)) throw new RvError('RV_INVALID_ARGUMENT', `--${flag} must be an ISO 8601 time or epoch milliseconds, got ${JSON.stringify(value)}`, { details: { field: flag } });
  return new Date(ms);
}

async function verify(dir: string, values: Values, io: CliIo, config: () => ReturnType<typeof configFor>): Promise<void> {
  const hmacKey = await hmacKeyFor(values, io, config);
  const report = await verifyAuditLog(dir, hmacKey === undefined ? {} : { hmacKey });
  if (values.json === true) io.stdout.write(`${JSON.stringify({ dir, hmac: hmacKey !== undefined, ...report })}\n`);
  const problem = report.problem;
  if (problem !== undefined) {
    const where = problem.line === null ? problem.file : `${problem.file}:${problem.line}`;
    throw new RvError('RV_AUDIT_TAMPERED', `${where}: ${problem.kind}: ${problem.reason}`, { details: { ...problem, dir } });
  }
  if (values.json !== true) {
    const range = report.firstSeq === null ? 'empty' : `seq ${report.firstSeq}–${report.lastSeq}`;
    io.stdout.write(`audit log intact: ${report.entries} entries in ${report.files} files (${range})${hmacKey === undefined ? '' : ', HMAC-keyed'}${report.lastHash === null ? '' : `; last hash ${report.lastHash}`}\n`);
    if (report.incompleteTail) io.stderr.write('note: the last line of the newest file is incomplete (being written, or torn by a crash; it was never durable)\n');
  }
}

function syslogTarget(url: string): { host: string; port: number; protocol: 'udp' | 'tcp' } {
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    throw new RvError('RV_INVALID_ARGUMENT', `--syslog must be udp://HOST:PORT or tcp://HOST:PORT, got ${JSON.stringify(url)}`, { details: { field: 'syslog' } });
  }
  const protocol = parsed.protocol.slice(0, -1);
  const port = Number(parsed.port || 514);
  if ((protocol !== 'udp' && protocol !== 'tcp') || parsed.hostname === '' || !Number.isInteger(port)) {
    throw new RvError('RV_INVALID_ARGUMENT', `--syslog must be udp://HOST:PORT or tcp://HOST:PORT, got ${JSON.stringify(url)}`, { details: { field: 'syslog' } });
  }
  return { host: parsed.hostname.replace(/^\[|\]$/g, ''), port, protocol };
}

async function exportEntries(dir: string, values: Values, io: CliIo): Promise<void> {
  const format = values.format ?? 'ndjson';
  if (format !== 'ndjson' && format !== 'syslog') throw new RvError('RV_INVALID_ARGUMENT', `--format must be ndjson or syslog, got ${JSON.stringify(format)}`, { details: { field: 'format' } });
  const targets = [values.output, values.http, values.syslog].filter((v) => v !== undefined);
  if (targets.length > 1) throw new RvError('RV_INVALID_ARGUMENT', 'give at most one of --output, --http, --syslog', { details: { field: 'output' } });
  const scan: AuditScan = {};
  const since = timeOption('since', values.since);
  const until = timeOption('until', values.until);
  if (since !== undefined) scan.since = since;
  if (until !== undefined) scan.until = until;
  if (values['after-seq'] !== undefined) {
    const n = /^\d+$/.test(values['after-seq']) ? Number(values['after-seq']) : Number.NaN;
    if (!Number.isSafeInteger(n)) throw new RvError('RV_INVALID_ARGUMENT', `--after-seq must be a non-negative integer, got ${JSON.stringify(values['after-seq'])}`, { details: { field: 'after-seq' } });
    scan.afterSeq = n;
  }
  const entries = scanAuditLog(dir, scan);
  let count: number;
  if (values.http !== undefined) {
    const headers: Record<string, string> = {};
    if (values['http-header'] !== undefined) {
      const colon = values['http-header'].indexOf(':');
      if (colon <= 0) throw new RvError('RV_INVALID_ARGUMENT', '--http-header must look like "Name: value"', { details: { field: 'http-header' } });
      headers[values['http-header'].slice(0, colon).trim().toLowerCase()] = values['http-header'].slice(colon + 1).trim();
    }
    count = await sendToHttp(entries, { url: values.http, headers });
  } else if (values.syslog !== undefined) {
    count = await sendToSyslog(entries, syslogTarget(values.syslog));
  } else {
    const write = async (out: NodeJS.WritableStream): Promise<number> => {
      if (format === 'ndjson') return writeNdjson(entries, out);
      let n = 0;
      for await (const entry of entries) {
        if (!out.write(`${formatSyslog(entry)}\n`)) await once(out, 'drain');
        n += 1;
      }
      return n;
    };
    if (values.output === undefined || values.output === '-') {
      count = await write(io.stdout);
    } else {
      // Written beside FILE and renamed at the end, so a failed export leaves no partial FILE.
      const partial = `${values.output}.partial`;
      const out = createWriteStream(partial, { flags: 'w', mode: 0o600 });
      try {
        count = await write(out);
        out.end();
        await finished(out);
        await rename(partial, values.output);
      } catch (error) {
        out.destroy();
        await rm(partial, { force: true });
        throw error;
      }
    }
  }
  io.stderr.write(`exported ${count} audit entries\n`);
}

async function run(args: string[], io: CliIo): Promise<void> {
  const [sub, ...rest] = args;
  if (sub !== 'verify' && sub !== 'export') throw new RvError('RV_INVALID_ARGUMENT', `audit: expected verify or export, got ${JSON.stringify(sub ?? '')} (see: ruvector audit --help)`);
  const { values, positionals } = parseCommandArgs('audit', rest, OPTIONS);
  if (positionals.length > 1) throw new RvError('RV_INVALID_ARGUMENT', `audit ${sub}: unexpected argument ${JSON.stringify(positionals[1])} (see: ruvector audit --help)`);
  let loaded: ReturnType<typeof configFor> | undefined;
  const config = (): ReturnType<typeof configFor> => (loaded ??= configFor(values, io));
  const dir = positionals[0] ?? auditDirFrom(config());
  if (sub === 'verify') await verify(dir, values, io, config);
  else await exportEntries(dir, values, io);
}

/** `ruvector audit verify|export`; see HELP above. */
export const auditCommand: Command = { name: 'audit', summary: 'verify the audit trail\'s hash chain, export it to a SIEM', help: HELP, run };
