/**
 * The server's lifecycle as the probes report it:
 *
 *   created ──listen()──▶ serving ──close()──▶ draining ──in-flight done──▶ closed
 *
 * `/readyz` and `/ready` answer 503 outside `serving`, so a load balancer stops sending new
 * work while in-flight requests finish. `/healthz` and `/livez` answer 200 until closed.
 */
export type ServerState = 'created' | 'serving' | 'draining' | 'closed';

/** The current state; the probes read it, createServer moves it. */
export class Lifecycle {
  private current: ServerState = 'created';

  get state(): ServerState {
    return this.current;
  }

  /** Serving once the database is open and the routes are in place (inject() works too). */
  get ready(): boolean {
    return this.current === 'serving';
  }

  set(state: ServerState): void {
    this.current = state;
  }
}
