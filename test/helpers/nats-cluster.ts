/**
 * Test harness: a real 3-server NATS cluster with JetStream on loopback, started from the
 * apt `nats-server` binary with temp store dirs and free ports. Servers can be killed (-9)
 * and restarted individually; `stop()` kills every process and removes the temp dirs.
 * Optional TLS: client connections need a certificate signed by the given CA (mTLS), and the
 * cluster routes run over TLS with the same CA.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

export const NATS_SERVER_BINARY = process.env.NATS_SERVER ?? '/usr/sbin/nats-server';

export interface NatsTlsFiles {
  caFile: string;
  certFile: string;
  keyFile: string;
}

export interface NatsServerHandle {
  name: string;
  clientPort: number;
  clusterPort: number;
  monitorPort: number;
  storeDir: string;
  url: string;
  process: ChildProcess | undefined;
}

/** A free TCP port on 127.0.0.1 (bind port 0, read it, close). */
export async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      const port = typeof address === 'object' && address !== null ? address.port : 0;
      server.close(() => resolve(port));
    });
  });
}

/** Polls `check` until it returns a value other than undefined, or throws after `timeoutMs`. */
export async function waitFor<T>(what: string, check: () => Promise<T | undefined> | T | undefined, timeoutMs = 30000, intervalMs = 100): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  let lastError: unknown;
  while (Date.now() < deadline) {
    try {
      const value = await check();
      if (value !== undefined) return value;
    } catch (error) {
      lastError = error;
    }
    await new Promise((r) => setTimeout(r, intervalMs));
  }
  throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}${lastError === undefined ? '' : `: ${(lastError as Error).message}`}`);
}

/** Client authentication the servers require (NATS `authorization` block): a user and password, or a token. */
export type NatsAuthorization = { user: string; password: string } | { token: string };

interface JszReply {
  meta_cluster?: { leader?: string; cluster_size?: number };
}

export class NatsCluster {
  readonly servers: NatsServerHandle[];
  private constructor(private readonly root: string, servers: NatsServerHandle[], private readonly tls: NatsTlsFiles | undefined, private readonly authorization?: NatsAuthorization) {
    this.servers = servers;
  }

  /** Starts `size` servers (default 3) and waits until JetStream has a meta leader. */
  static async start(options: { size?: number; tls?: NatsTlsFiles; authorization?: NatsAuthorization } = {}): Promise<NatsCluster> {
    const size = options.size ?? 3;
    const root = await mkdtemp(join(tmpdir(), 'rv-nats-'));
    const servers: NatsServerHandle[] = [];
    for (let i = 0; i < size; i++) {
      const clientPort = await freePort();
      servers.push({
        name: `n${i + 1}`, clientPort, clusterPort: await freePort(), monitorPort: await freePort(),
        storeDir: join(root, `n${i + 1}`), url: `${options.tls === undefined ? 'nats' : 'tls'}://127.0.0.1:${clientPort}`, process: undefined,
      });
    }
    const cluster = new NatsCluster(root, servers, options.tls, options.authorization);
    try {
      for (const server of servers) await cluster.spawnServer(server);
      await cluster.waitReady();
    } catch (error) {
      await cluster.stop();
      throw error;
    }
    return cluster;
  }

  get urls(): string[] {
    return this.servers.map((s) => s.url);
  }

  private configFor(server: NatsServerHandle): string {
    const routes = this.servers.filter((s) => s !== server).map((s) => `"nats-route://127.0.0.1:${s.clusterPort}"`).join(', ');
    const tls = this.tls;
    const tlsBlock = tls === undefined ? '' : `tls { ca_file: "${tls.caFile}", cert_file: "${tls.certFile}", key_file: "${tls.keyFile}", verify: true, timeout: 5 }`;
    const auth = this.authorization;
    const authBlock = auth === undefined ? ''
      : 'token' in auth ? `authorization { token: ${JSON.stringify(auth.token)} }`
        : `authorization { user: ${JSON.stringify(auth.user)}, password: ${JSON.stringify(auth.password)} }`;
    return [
      `server_name: ${server.name}`,
      authBlock,
      'host: 127.0.0.1',
      `port: ${server.clientPort}`,
      `http_port: ${server.monitorPort}`,
      `jetstream { store_dir: "${server.storeDir}", max_memory_store: 64MB, max_file_store: 1GB }`,
      tlsBlock,
      // Routes over TLS too, each side verified against the CA (the server certificate has clientAuth usage for this).
      `cluster { name: rvtest, host: 127.0.0.1, port: ${server.clusterPort}, routes: [${routes}], ${tls === undefined ? '' : `tls { ca_file: "${tls.caFile}", cert_file: "${tls.certFile}", key_file: "${tls.keyFile}", verify: true, timeout: 5 }`} }`,
    ].join('\n');
  }

  private async spawnServer(server: NatsServerHandle): Promise<void> {
    const configFile = join(this.root, `${server.name}.conf`);
    await writeFile(configFile, this.configFor(server));
    const child = spawn(NATS_SERVER_BINARY, ['-c', configFile], { stdio: ['ignore', 'ignore', 'pipe'] });
    let stderr = '';
    child.stderr?.on('data', (chunk: Buffer) => { stderr = (stderr + chunk.toString()).slice(-4000); });
    child.once('exit', (code, signal) => {
      if (server.process === child) server.process = undefined;
      if (code !== 0 && code !== null && signal === null) process.stderr.write(`nats-server ${server.name} exited ${code}: ${stderr}\n`);
    });
    server.process = child;
    await waitFor(`nats-server ${server.name} monitoring port`, async () => {
      const response = await fetch(`http://127.0.0.1:${server.monitorPort}/healthz`).catch(() => undefined);
      return response === undefined ? undefined : true;
    }, 20000);
  }

  private async jsz(server: NatsServerHandle): Promise<JszReply | undefined> {
    const response = await fetch(`http://127.0.0.1:${server.monitorPort}/jsz`).catch(() => undefined);
    if (response === undefined || !response.ok) return undefined;
    return await response.json() as JszReply;
  }

  /** Waits until every running server reports the same JetStream meta leader. */
  async waitReady(timeoutMs = 60000): Promise<string> {
    return waitFor('a JetStream meta leader', async () => {
      const leaders = new Set<string>();
      for (const server of this.servers) {
        if (server.process === undefined) continue;
        const leader = (await this.jsz(server))?.meta_cluster?.leader;
        if (leader === undefined || leader === '') return undefined;
        leaders.add(leader);
      }
      return leaders.size === 1 ? [...leaders][0] : undefined;
    }, timeoutMs, 200);
  }

  byName(name: string): NatsServerHandle {
    const server = this.servers.find((s) => s.name === name);
    if (server === undefined) throw new Error(`no NATS server named ${name}`);
    return server;
  }

  /** SIGKILL: no clean shutdown, no leadership hand-off. */
  async kill(name: string): Promise<void> {
    const server = this.byName(name);
    const child = server.process;
    if (child === undefined) return;
    const exited = new Promise((r) => child.once('exit', r));
    child.kill('SIGKILL');
    await exited;
    server.process = undefined;
  }

  async restart(name: string): Promise<void> {
    const server = this.byName(name);
    if (server.process !== undefined) await this.kill(name);
    await this.spawnServer(server);
  }

  async stop(): Promise<void> {
    for (const server of this.servers) {
      const child = server.process;
      if (child === undefined) continue;
      const exited = new Promise((r) => child.once('exit', r));
      child.kill('SIGKILL');
      await exited;
      server.process = undefined;
    }
    await rm(this.root, { recursive: true, force: true });
  }
}
