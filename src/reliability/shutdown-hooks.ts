/**
 * The shutdown hook list: components register what must happen when the process stops
 * (audit flush, backup scheduler stop, cluster leave), and the composition root runs them at
 * the right step of the graceful shutdown (docs/operations/reliability.md):
 *
 *   readiness 503 → (readiness delay) → listener closed → in-flight requests finish (bounded)
 *   → `before-database-close` hooks → database closed (op log flushed, indexes checkpointed)
 *   → `after-database-close` hooks → exit 0
 *
 * Hooks of a phase run one after another in registration order, each bounded by its own time
 * limit; a hook that fails or overruns is logged and the shutdown goes on (one stuck exporter
 * must not keep the database from closing cleanly).
 *
 * @example
 *   running.shutdownHooks.register('audit flush', () => audit.flush(), { phase: 'before-database-close' });
 */
export type ShutdownPhase = 'before-database-close' | 'after-database-close';

export interface ShutdownHookOptions {
  phase?: ShutdownPhase;
  /** Longest this hook may take; default 10000 ms. */
  timeoutMs?: number;
}

export type ShutdownLogger = (level: 'info' | 'warn', message: string, fields: Record<string, unknown>) => void;

interface Hook {
  name: string;
  run: () => unknown;
  phase: ShutdownPhase;
  timeoutMs: number;
}

export class ShutdownHooks {
  private readonly hooks: Hook[] = [];

  /** Registers `run` for a phase (default `before-database-close`); returns a function that unregisters it. */
  register(name: string, run: () => unknown, options: ShutdownHookOptions = {}): () => void {
    const hook: Hook = { name, run, phase: options.phase ?? 'before-database-close', timeoutMs: options.timeoutMs ?? 10000 };
    this.hooks.push(hook);
    return () => {
      const at = this.hooks.indexOf(hook);
      if (at >= 0) this.hooks.splice(at, 1);
    };
  }

  /** Names of the hooks of a phase, in run order. */
  names(phase: ShutdownPhase): string[] {
    return this.hooks.filter((hook) => hook.phase === phase).map((hook) => hook.name);
  }

  /** Runs the phase's hooks; never throws. Resolves with the names of hooks that failed or overran. */
  async run(phase: ShutdownPhase, log: ShutdownLogger = () => undefined): Promise<string[]> {
    const failed: string[] = [];
    for (const hook of this.hooks.filter((h) => h.phase === phase)) {
      let timer: NodeJS.Timeout | undefined;
      const overrun = new Promise<'overrun'>((resolve) => { timer = setTimeout(() => resolve('overrun'), hook.timeoutMs); });
      const started = Date.now();
      try {
        const outcome = await Promise.race([Promise.resolve().then(hook.run), overrun]);
        if (outcome === 'overrun') {
          failed.push(hook.name);
          log('warn', 'shutdown hook overran its time limit; continuing', { hook: hook.name, phase, timeoutMs: hook.timeoutMs });
        } else {
          log('info', 'shutdown hook done', { hook: hook.name, phase, ms: Date.now() - started });
        }
      } catch (error) {
        failed.push(hook.name);
        log('warn', 'shutdown hook failed; continuing', { hook: hook.name, phase, error: (error as Error).message });
      } finally {
        clearTimeout(timer);
      }
    }
    return failed;
  }
}
