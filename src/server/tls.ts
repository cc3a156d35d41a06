/**
 * HTTPS: the server's certificate and key, and optionally a CA for client certificates
 * (`none`, `optional`: verified when sent, `required`: mTLS). The files are polled and, when
 * one changes, the new material is validated and installed with `server.setSecureContext`, so
 * certificates rotate without a restart; a bad new file is logged and the old one kept.
 */
import { X509Certificate } from 'node:crypto';
import { readFile, stat } from 'node:fs/promises';
import { createSecureContext, type SecureContextOptions } from 'node:tls';
import type { TlsClientAuth } from '../config/index.js';
import { RvError } from '../errors.js';

export interface TlsFiles {
  certFile: string;
  keyFile: string;
  caFile?: string;
  clientAuth: TlsClientAuth;
}

export interface TlsMaterial {
  key: Buffer;
  cert: Buffer;
  ca?: Buffer;
  /** notAfter of the leaf certificate. */
  notAfter: Date;
}

/** Reads and checks the files: readable PEM, key matches certificate, CA present when client auth is on. */
export async function loadTlsMaterial(files: TlsFiles): Promise<TlsMaterial> {
  if (files.clientAuth !== 'none' && files.caFile === undefined) {
    throw new RvError('RV_TLS_CONFIG', `tls.client_auth = ${files.clientAuth} needs tls.ca_file (the CA client certificates must chain to)`, { details: { field: 'tls.ca_file' } });
  }
  const read = async (path: string, field: string): Promise<Buffer> => readFile(path).catch((cause: unknown) => {
    throw new RvError('RV_TLS_CONFIG', `${field}: cannot read ${path}: ${(cause as Error).message}`, { cause, details: { field } });
  });
  const cert = await read(files.certFile, 'tls.cert_file');
  const key = await read(files.keyFile, 'tls.key_file');
  const ca = files.caFile === undefined ? undefined : await read(files.caFile, 'tls.ca_file');
  let notAfter: Date;
  try {
    notAfter = new Date(new X509Certificate(cert).validTo);
    createSecureContext({ key, cert, ...(ca === undefined ? {} : { ca }) });
  } catch (cause) {
    throw new RvError('RV_TLS_CONFIG', `tls: the certificate, key or CA is not valid PEM, or the key does not match the certificate: ${(cause as Error).message}`, { cause, details: { field: 'tls.cert_file' } });
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

/** Polls the files and calls `install` with new, valid material; `onError` for a bad change. */
export class CertificateReloader {
  private timer: NodeJS.Timeout | undefined;
  private lastStamp = '';
  private checking = false;

  constructor(
    private readonly files: TlsFiles,
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
      const stamp = await this.stamp();
      if (stamp === this.lastStamp) return false;
      const material = await loadTlsMaterial(this.files);
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
    const paths = [this.files.certFile, this.files.keyFile, this.files.caFile].filter((p): p is string => p !== undefined);
    const stats = await Promise.all(paths.map((p) => stat(p).then((s) => `${s.mtimeMs}:${s.size}:${s.ino}`, () => 'missing')));
    return stats.join('|');
  }
}
