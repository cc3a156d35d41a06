/** `ruvector serve`: load the config, open the data directory, serve HTTP until SIGTERM/SIGINT. */
import { resolve } from 'node:path';
import { loadConfig, redactConfig, type FlagValue } from '../../config/index.js';
import { RvError } from '../../errors.js';
import type { AdminKeyOption } from '../../main.js';
import { parseCommandArgs } from '../args.js';
import { bootstrapKeyNotice, resolveAdminKey } from '../../security/keys/bootstrap-key.js';
import type { CliIo } from '../io.js';
import { createLogger } from '../logger.js';
import { ruvectorVersion } from '../version.js';
import type { Command } from './command.js';

const HELP = `Usage:
  ruvector serve [--config FILE] [--host H] [--port P] [--data-dir DIR] [--no-auth]
                 [--cluster nats://h1:4222,nats://h2:4222 --node-id N]

Serves the Qdrant-compatible REST API until SIGTERM or SIGINT, then stops accepting, lets
in-flight requests finish, checkpoints the indexes and exits 0.

  --config FILE    TOML config (default: ./config/ruvector.toml when it exists)
  --host H         service.host (default 127.0.0.1)
  --port P         service.port (default 6333; 0 picks a free port)
  --data-dir DIR   storage.path (default ./data)
  --no-auth        service.auth_disabled = true; only with a loopback host
  --cluster URLS   cluster.servers: join the cluster on these NATS servers (docs/cluster.md)
  --node-id N      cluster.node_id: this node's id in the cluster (stable across restarts)

Precedence: defaults < config file < env RUVECTOR__SECTION__KEY < flags.
Every key is documented in docs/configuration.md.

With no service.api_key and authentication on, the first start generates an admin key,
prints it once on stderr and stores only its hash in <data dir>/.auth/.`;

const OPTIONS = {
  config: { type: 'string' },
  host: { type: 'string' },
  port: { type: 'string' },
  'data-dir': { type: 'string' },
  'no-auth': { type: 'boolean' },
  cluster: { type: 'string' },
  'node-id': { type: 'string' },
} as const;

/** Resolves on the first SIGTERM/SIGINT; a second one exits at once (the operator insists). */
function firstSignal(onSecond: (signal: NodeJS.Signals) => void): { received: Promise<NodeJS.Signals>; dispose(): void } {
  let seen = false;
  let resolveSignal: (signal: NodeJS.Signals) => void = () => undefined;
  const received = new Promise<NodeJS.Signals>((r) => { resolveSignal = r; });
  const handler = (signal: NodeJS.Signals): void => {
    if (seen) return onSecond(signal);
    seen = true;
    resolveSignal(signal);
  };
  process.on('SIGTERM', handler);
  process.on('SIGINT', handler);
  return { received, dispose: () => { process.off('SIGTERM', handler); process.off('SIGINT', handler); } };
}

async function run(args: string[], io: CliIo): Promise<void> {
  const { values, positionals } = parseCommandArgs('serve', args, OPTIONS);
  if (positionals.length > 0) throw new RvError('RV_INVALID_ARGUMENT', `serve: unexpected argument ${JSON.stringify(positionals[0])} (see: ruvector serve --help)`);
  const flags: FlagValue[] = [];
  if (values.host !== undefined) flags.push({ path: 'service.host', flag: '--host', value: values.host });
  if (values.port !== undefined) flags.push({ path: 'service.port', flag: '--port', value: values.port });
  if (values['data-dir'] !== undefined) flags.push({ path: 'storage.path', flag: '--data-dir', value: values['data-dir'] });
  if (values['no-auth'] === true) flags.push({ path: 'service.auth_disabled', flag: '--no-auth', value: true });
  if (values.cluster !== undefined) flags.push({ path: 'cluster.servers', flag: '--cluster', value: values.cluster });
  if (values['node-id'] !== undefined) flags.push({ path: 'cluster.node_id', flag: '--node-id', value: values['node-id'] });
  const { config, file } = loadConfig({ file: values.config, env: io.env, flags });

  const logger = createLogger(config.log);
  // Listen for signals before the slow start-up, so an early SIGTERM still shuts down cleanly.
  const signals = firstSignal((signal) => {
    logger.error({ signal }, 'second signal: exiting without a clean shutdown');
    process.exit(1);
  });
  try {
    logger.info({ config: redactConfig(config), config_file: file ?? null, version: ruvectorVersion() }, 'effective configuration');
    const dataDir = resolve(config.storage.path);
    const admin = await resolveAdminKey(config, dataDir);
    const adminKey: AdminKeyOption = {};
    switch (admin.source) {
      case 'disabled':
        logger.warn({ host: config.service.host }, 'authentication is disabled (service.auth_disabled); any local process can read and write');
        break;
      case 'configured':
        adminKey.apiKey = admin.apiKey;
        break;
      case 'generated':
        adminKey.apiKey = admin.apiKey;
        io.stderr.write(bootstrapKeyNotice(admin.apiKey, admin.file));
        logger.info({ file: admin.file }, 'generated the bootstrap admin key (shown once on stderr; only its hash is stored)');
        break;
      case 'stored':
        adminKey.verifyApiKey = admin.verify;
        logger.info({ file: admin.file, created_at: admin.createdAt }, 'admin key: the bootstrap key stored as a hash');
        break;
    }

    // Loaded here, not at the top: the data commands never pay for loading the HTTP stack.
    const { startRuVector } = await import('../../main.js');
    const running = await startRuVector({ config, logger, version: ruvectorVersion(), adminKey });
    logger.info({ url: running.url, data_dir: dataDir }, 'ruvector is ready');
    const signal = await signals.received;
    logger.info({ signal }, 'shutting down: finishing in-flight requests');
    await running.close();
    logger.info('stopped');
  } finally {
    signals.dispose();
    logger.flush();
  }
}

/** `ruvector serve`; see HELP above for usage. */
export const serveCommand: Command = { name: 'serve', summary: 'run the server (Qdrant REST API)', help: HELP, run };
