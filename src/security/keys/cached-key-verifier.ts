/**
 * A key check that is slow on purpose (a stored key is kept only as a salted scrypt hash)
 * made cheap per request: a key that verified once is remembered by its SHA-256 digest, so
 * later requests cost one hash and a map lookup. Rejected digests are remembered too, in a
 * bounded list, so a client repeating a wrong key cannot make every request pay for scrypt;
 * concurrent checks of one key share a single verification.
 */
export type KeyVerifier = (presented: string) => Promise<boolean>;

/** Wraps a slow key check with the caches described above. */
export class CachedKeyVerifier {
  private readonly accepted = new Set<string>();
  private readonly rejected = new Map<string, true>();
  private readonly pending = new Map<string, Promise<boolean>>();

  constructor(private readonly verify: KeyVerifier, private readonly limits = { accepted: 64, rejected: 1024 }) {}

  /** Whether `presented` (whose SHA-256 hex digest is `digest`) is the key. */
  async check(presented: string, digest: string): Promise<boolean> {
    if (this.accepted.has(digest)) return true;
    if (this.rejected.has(digest)) return false;
    let running = this.pending.get(digest);
    if (running === undefined) {
      running = this.verify(presented).then((ok) => {
        this.remember(digest, ok);
        return ok;
      }).finally(() => this.pending.delete(digest));
      this.pending.set(digest, running);
    }
    return running;
  }

  private remember(digest: string, ok: boolean): void {
    if (ok) {
      if (this.accepted.size < this.limits.accepted) this.accepted.add(digest);
      return;
    }
    // Oldest first out: a Map iterates in insertion order.
    if (this.rejected.size >= this.limits.rejected) this.rejected.delete(this.rejected.keys().next().value as string);
    this.rejected.set(digest, true);
  }
}
