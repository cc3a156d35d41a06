/**
 * `ruvector certs dev --out DIR`: a development CA and certificates signed by it (server, for
 * the hosts given; client, for mTLS), made with the `openssl` CLI. For tests and local
 * setups only: production certificates come from the organisation's PKI.
 * openssl is used rather than a JavaScript X.509 library because Node can parse but not
 * issue certificates, and openssl is on every machine this runs on (.ci/run installs it).
 */
import { execFile } from 'node:child_process';
import { chmod, mkdir, rm, writeFile } from 'node:fs/promises';
import { isIP } from 'node:net';
import { join, resolve } from 'node:path';
import { promisify } from 'node:util';
import { RvError } from '../../errors.js';
import { integerOption, parseCommandArgs, required } from '../args.js';
import type { CliIo } from '../io.js';
import type { Command } from './command.js';

const run = promisify(execFile);

const HELP = `Usage:
  ruvector certs dev --out DIR [--hosts localhost,127.0.0.1] [--days 30] [--client-name NAME]

Writes into DIR (created 0700): ca.pem, ca-key.pem, server.pem, server-key.pem,
client.pem, client-key.pem (keys 0600). For development and tests only.`;

const OPTIONS = {
  out: { type: 'string' },
  hosts: { type: 'string' },
  days: { type: 'string' },
  'client-name': { type: 'string' },
} as const;

async function openssl(args: string[], cwd: string): Promise<void> {
  try {
    await run('openssl', args, { cwd });
  } catch (cause) {
    const error = cause as NodeJS.ErrnoException & { stderr?: string };
    if (error.code === 'ENOENT') throw new RvError('RV_INVALID_ARGUMENT', 'certs dev needs the openssl command (apt-get install openssl)', { cause });
    throw new RvError('RV_INTERNAL', `openssl ${args[0]} failed: ${error.stderr ?? error.message}`, { cause });
  }
}

/** Generates the dev CA, a server and a client certificate in `dir`. */
export async function generateDevCertificates(dir: string, options: { hosts: string[]; days: number; clientName: string }): Promise<void> {
  await mkdir(dir, { recursive: true, mode: 0o700 });
  const san = options.hosts.map((h) => (isIP(h) === 0 ? `DNS:${h}` : `IP:${h}`)).join(',');
  const days = String(options.days);
  const ec = ['-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:P-256', '-nodes'];
  await openssl(['req', '-x509', ...ec, '-keyout', 'ca-key.pem', '-out', 'ca.pem', '-days', days, '-subj', '/CN=RuVector dev CA',
    '-addext', 'basicConstraints=critical,CA:TRUE', '-addext', 'keyUsage=critical,keyCertSign,cRLSign'], dir);
  for (const [name, cn, ext] of [
    ['server', options.hosts[0], `subjectAltName=${san}\nextendedKeyUsage=serverAuth\nkeyUsage=critical,digitalSignature`],
    ['client', options.clientName, 'extendedKeyUsage=clientAuth\nkeyUsage=critical,digitalSignature'],
  ] as const) {
    await openssl(['req', ...ec, '-keyout', `${name}-key.pem`, '-out', `${name}.csr`, '-subj', `/CN=${cn}`], dir);
    await writeFile(join(dir, `${name}.ext`), `${ext}\n`);
    await openssl(['x509', '-req', '-in', `${name}.csr`, '-CA', 'ca.pem', '-CAkey', 'ca-key.pem', '-CAcreateserial', '-out', `${name}.pem`, '-days', days, '-extfile', `${name}.ext`], dir);
  }
  for (const key of ['ca-key.pem', 'server-key.pem', 'client-key.pem']) await chmod(join(dir, key), 0o600);
  await Promise.all(['server.csr', 'server.ext', 'client.csr', 'client.ext', 'ca.srl'].map((f) => rm(join(dir, f), { force: true })));
}

async function runCerts(args: string[], io: CliIo): Promise<void> {
  const { values, positionals } = parseCommandArgs('certs', args, OPTIONS);
  if (positionals[0] !== 'dev' || positionals.length > 1) throw new RvError('RV_INVALID_ARGUMENT', 'certs: expected `dev` (see: ruvector certs --help)');
  const out = resolve(required('certs dev', 'out', values.out));
  const hosts = (values.hosts ?? 'localhost,127.0.0.1').split(',').map((h) => h.trim()).filter((h) => h.length > 0);
  for (const host of hosts) {
    if (!/^[A-Za-z0-9.:-]{1,253}$/.test(host)) throw new RvError('RV_INVALID_ARGUMENT', `--hosts: ${JSON.stringify(host)} is not a host name or IP address`, { details: { field: 'hosts' } });
  }
  if (hosts.length === 0) throw new RvError('RV_INVALID_ARGUMENT', '--hosts must name at least one host', { details: { field: 'hosts' } });
  const days = integerOption('days', values.days, 30, 1, 825);
  const clientName = values['client-name'] ?? 'ruvector-client';
  if (!/^[A-Za-z0-9._-]{1,64}$/.test(clientName)) throw new RvError('RV_INVALID_ARGUMENT', '--client-name must be 1-64 characters from [A-Za-z0-9._-]', { details: { field: 'client-name' } });
  await generateDevCertificates(out, { hosts, days, clientName });
  io.stdout.write(`${out}\n`);
  io.stderr.write(`dev CA and certificates written to ${out} (valid ${days} days, hosts ${hosts.join(', ')}); for development only\n`);
}

export const certsCommand: Command = { name: 'certs', summary: 'Generate a development CA and TLS certificates (tests, local mTLS)', help: HELP, run: runCerts };
