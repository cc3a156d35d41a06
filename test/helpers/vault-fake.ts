/**
 * A STAND-IN for HashiCorp Vault: no Vault server can be installed on this machine, so the
 * Vault secrets provider is tested against this small HTTP fake of the only endpoints it
 * uses, with Vault's request and response shapes (KV v2 read, AppRole login):
 *
 *   GET  /v1/<mount>/data/<path>   X-Vault-Token → {data: {data, metadata: {version}}} | 404 {errors: []} | 403
 *   POST /v1/auth/approle/login    {role_id, secret_id} → {auth: {client_token, lease_duration, ...}} | 400
 *
 * It listens on 127.0.0.1 with an ephemeral port; tests write secret versions with `put`,
 * revoke tokens, make every request fail with a status (`failWith(503)`: Vault sealed or
 * overloaded), and count requests.
 */
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { randomUUID } from 'node:crypto';
import type { AddressInfo } from 'node:net';

export interface VaultFakeOptions {
  mount?: string;
  /** Static tokens that may read. */
  tokens?: string[];
  approle?: { roleId: string; secretId: string; leaseSeconds?: number };
  /** Delay every answer (timeout tests). */
  delayMs?: number;
}

export interface VaultFake {
  address: string;
  /** Writes a new version of the secret at `path`. */
  put(path: string, data: Record<string, string>): void;
  revokeAll(): void;
  /** Answers every request with this status (and Vault's error body) until called with undefined. */
  failWith(status: number | undefined): void;
  requests: { method: string; url: string }[];
  close(): Promise<void>;
}

function send(res: ServerResponse, status: number, body: unknown): void {
  res.writeHead(status, { 'content-type': 'application/json' });
  res.end(JSON.stringify(body));
}

async function readBody(req: IncomingMessage): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const chunk of req) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks).toString('utf8');
}

export async function startVaultFake(options: VaultFakeOptions = {}): Promise<VaultFake> {
  const mount = options.mount ?? 'secret';
  const tokens = new Set(options.tokens ?? []);
  const secrets = new Map<string, { version: number; data: Record<string, string> }>();
  const requests: { method: string; url: string }[] = [];
  let failStatus: number | undefined;
  const server: Server = createServer((req, res) => {
    requests.push({ method: req.method ?? '', url: req.url ?? '' });
    const answer = async (): Promise<void> => {
      if (options.delayMs !== undefined) await new Promise((r) => setTimeout(r, options.delayMs));
      if (failStatus !== undefined) {
        send(res, failStatus, { errors: ['Vault is sealed'] });
        return;
      }
      const url = new URL(req.url ?? '/', 'http://vault');
      if (req.method === 'POST' && url.pathname === '/v1/auth/approle/login') {
        const body = JSON.parse(await readBody(req)) as { role_id?: string; secret_id?: string };
        const approle = options.approle;
        if (approle === undefined || body.role_id !== approle.roleId || body.secret_id !== approle.secretId) {
          send(res, 400, { errors: ['invalid role or secret ID'] });
          return;
        }
        const token = `hvs.${randomUUID()}`;
        tokens.add(token);
        send(res, 200, { auth: { client_token: token, accessor: randomUUID(), policies: ['default', 'ruvector'], lease_duration: approle.leaseSeconds ?? 2764800, renewable: true } });
        return;
      }
      const prefix = `/v1/${mount}/data/`;
      if (req.method === 'GET' && url.pathname.startsWith(prefix)) {
        const token = req.headers['x-vault-token'];
        if (typeof token !== 'string' || !tokens.has(token)) {
          send(res, 403, { errors: ['permission denied'] });
          return;
        }
        const secret = secrets.get(url.pathname.slice(prefix.length));
        if (secret === undefined) {
          send(res, 404, { errors: [] });
          return;
        }
        send(res, 200, {
          request_id: randomUUID(), lease_id: '', renewable: false, lease_duration: 0,
          data: { data: secret.data, metadata: { created_time: new Date().toISOString(), deletion_time: '', destroyed: false, version: secret.version } },
        });
        return;
      }
      send(res, 404, { errors: [] });
    };
    answer().catch((error: unknown) => send(res, 500, { errors: [String(error)] }));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    address: `http://127.0.0.1:${port}`,
    put(path, data) {
      const version = (secrets.get(path)?.version ?? 0) + 1;
      secrets.set(path, { version, data });
    },
    revokeAll() { tokens.clear(); },
    failWith(status) { failStatus = status; },
    requests,
    close: () => new Promise<void>((resolve) => { server.closeAllConnections(); server.close(() => resolve()); }),
  };
}
