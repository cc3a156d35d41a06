/**
 * HTTPS: the server's certificate and key, and optionally a CA for client certificates
 * (`none`, `optional`: verified when sent, `required`: mTLS). Each PEM comes from a file or
 * from a secret of the secrets provider (env, file or Vault). Both are re-checked every
 * interval (a file by its modification stamp, a secret by a digest of its value re-read past
 * the provider's cache) and, when one changes, the new material is validated and installed with
 * `server.setSecureContext`, so certificates rotate without a restart; bad new material is
 * logged and the old kept.
 */
import { createHash, X509Certificate } from 'node:crypto';
import { readFile, stat } from 'node:fs/promises';
import { createSecureContext, type SecureContextOptions } from 'node:tls';
import type { TlsClientAuth } from '../config/index.js';
import { RvError } from '../errors.js';

export interface TlsSettings {
  certFile?: string;
  keyFile?: string;
  caFile?: string;
  /** Instead of the files: names of secrets holding the PEM text, read with `readSecret`. */
  certSecret?: string;
  keySecret?: string;
  caSecret?: string;
  /** Reads a secret's value (the secrets provider's `get`); needed with any `*Secret`. */
  readSecret?: (name: string) => Promise<string>;
  /** Re-reads the secrets past the provider's cache; called on every reload check. */
  refreshSecrets?: () => Promise<unknown>;
  clientAuth: TlsClientAuth;
}

type Part = 'cert' | 'key' | 'ca';

interface PemSource {
  field: string;
  read(): Promise<Buffer>;
  /** Changes when the PEM may have changed (file stat, or digest of the secret's value). */
  stamp(): Promise<string>;
}

/** Where one PEM comes from: its file, its secret, or nowhere (only the CA is optional). */
function sourceOf(settings: TlsSettings, part: Part): PemSource | undefined {
  const file = settings[`${part}File`];
  const secret = settings[`${part}Secret`];
  if (file !== undefined && secret !== undefined) {
    throw new RvError('RV_TLS_CONFIG', `tls.${part}_file and tls.${part}_secret are both set: give one`, { details: { field: `tls.${part}_secret` } });
  }
  if (file !== undefined) {
    const field = `tls.${part}_file`;
    return {
      field,
      read: () => readFile(file).catch((cause: unknown) => {
        throw new RvError('RV_TLS_CONFIG', `${field}: cannot read ${file}: ${(cause as Error).message}`, { cause, details: { field } });
      }),
      stamp: () => stat(file).then((s) => `${s.mtimeMs}:${s.size}:${s.ino}`, () => 'missing'),
    };
  }
  if (secret !== undefined) {
    const field = `tls.${part}_secret`;
    const readSecret = settings.readSecret;
    if (readSecret === undefined) throw new RvError('RV_TLS_CONFIG', `${field} is set but no secrets provider is configured`, { details: { field } });
    const read = async (): Promise<Buffer> => Buffer.from(await readSecret(secret).catch((cause: unknown) => {
      throw new RvError('RV_TLS_CONFIG', `${field}: cannot read secret ${JSON.stringify(secret)}: ${(cause as Error).message}`, { cause, details: { field } });
    }));
    return { field, read, stamp: () => read().then((pem) => createHash('sha256').update(pem).digest('hex'), () => 'missing') };
  }
  return undefined;
}

function sourcesOf(settings: TlsSettings): { cert: PemSource; key: PemSource; ca: PemSource | undefined } {
  const cert = sourceOf(settings, 'cert');
  const key = sourceOf(settings, 'key');
  if (cert === undefined || key === undefined) {
    const field = cert === undefined ? 'tls.cert_file' : 'tls.key_file';
    throw new RvError('RV_TLS_CONFIG', `HTTPS needs a certificate and its key: set tls.cert_file or tls.cert_secret, and tls.key_file or tls.key_secret`, { details: { field } });
  }
  return { cert, key, ca: sourceOf(settings, 'ca') };
}

export interface TlsMaterial {
  key: Buffer;
  cert: Buffer;
  ca?: Buffer;
  /** notAfter of the leaf certificate. */
  notAfter: Date;
}

/** Reads and checks the PEMs: readable, key matches certificate, CA present when client auth is on. */
export async function loadTlsMaterial(settings: TlsSettings): Promise<TlsMaterial> {
  const sources = sourcesOf(settings);
  if (settings.clientAuth !== 'none' && sources.ca === undefined) {
    throw new RvError('RV_TLS_CONFIG', `tls.client_auth = ${settings.clientAuth} needs tls.ca_file or tls.ca_secret (the CA client certificates must chain to)`, { details: { field: 'tls.ca_file' } });
  }
  const cert = await sources.cert.read();
  const key = await sources.key.read();
  const ca = sources.ca === undefined ? undefined : await sources.ca.read();
  let notAfter: Date;
  try {
    notAfter = new Date(new X509Certificate(cert).validTo);
    createSecureContext({ key, cert, ...(ca === undefined ? {} : { ca }) });
  } catch (cause) {
    throw new RvError('RV_TLS_CONFIG', `tls: the certificate, key or CA is not valid PEM, or the key does not match the certificate: ${(cause as Error).message}`, { cause, details: { field: sources.cert.field } });
  }
  return { key, cert, ...(ca === undefined ? {} : { ca }), notAfter };
}

/** Node's https options for the material and client-auth mode. */
export function httpsOptions(material: TlsMaterial, clientAuth: TlsClientAuth): SecureContextOptions & { requestCert: boolean; rejectUnauthorized: boolean } {
  return {
    key: material.key,
    cert: material.cert,
    ...(material.ca === undefined ? {} : { ca: material.ca }),
    minVersion: 'TLSv1.2',
    requestCert: clientAuth !== 'none',
    rejectUnauthorized: clientAuth === 'required',
  };
}

/** Polls the sources and calls `install` with new, valid material; `onError` for a bad change. */
export class CertificateReloader {
  private timer: NodeJS.Timeout | undefined;
  private lastStamp = '';
  private checking = false;

  constructor(
    private readonly settings: TlsSettings,
    private readonly install: (material: TlsMaterial) => void,
    private readonly onError: (error: unknown) => void,
  ) {}

  async start(intervalMs: number): Promise<void> {
    this.lastStamp = await this.stamp();
    this.timer = setInterval(() => void this.check(), intervalMs);
    this.timer.unref();
  }

  /** Checks now (the poll calls this); resolves true when new material was installed. */
  async check(): Promise<boolean> {
    if (this.checking) return false;
    this.checking = true;
    try {
      // Secrets are re-read past the provider's cache, so a rotated certificate shows within one interval.
      await this.settings.refreshSecrets?.();
      const stamp = await this.stamp();
      if (stamp === this.lastStamp) return false;
      const material = await loadTlsMaterial(this.settings);
      this.install(material);
      this.lastStamp = stamp;
      return true;
    } catch (error) {
      this.onError(error);
      return false;
    } finally {
      this.checking = false;
    }
  }

  stop(): void {
    if (this.timer !== undefined) clearInterval(this.timer);
    this.timer = undefined;
  }

  private async stamp(): Promise<string> {
    const { cert, key, ca } = sourcesOf(this.settings);
    const stamps = await Promise.all([cert, key, ca].map((source) => source?.stamp() ?? Promise.resolve('none')));
    return stamps.join('|');
  }
}
