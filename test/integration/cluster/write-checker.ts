/**
 * Load and verification for the fault tests: writers upsert points with unique ids through
 * rotating nodes and record every acknowledged write with its token (per-shard sequences);
 * searchers run searches through rotating nodes and count failures. `verify` checks that every
 * acknowledged point is readable, with its payload, through a node, reading after the
 * highest acknowledged sequences (read-your-writes).
 */
import assert from 'node:assert/strict';

export interface HttpTarget {
  id: string;
  call(method: string, url: string, body?: unknown, headers?: Record<string, string>): Promise<{ status: number; body: { result?: unknown }; headers: Record<string, unknown> }>;
}

/** An in-process node: its cluster membership and local database (for replica-by-replica checks). */
export interface ReplicaHost {
  id: string;
  cluster: {
    resolve(name: string): { name: string; uid: string };
    localReplicas(): { collection: string; shard: number; stream: string; applied: number }[];
  };
  db: { collection(name: string): { retrieve(request: unknown): unknown } };
}

export interface WriteRecord {
  ids: number[];
  token: string;
  startedAt: number;
  ackedAt: number;
  via: string;
}

export class ClusterLoad {
  readonly acked: WriteRecord[] = [];
  readonly writeErrors: { at: number; via: string; error: string }[] = [];
  readonly searchErrors: { at: number; via: string; error: string }[] = [];
  searches = 0;
  private running = true;
  private nextId = 1;
  private readonly loops: Promise<void>[] = [];

  constructor(private readonly collection: string, private readonly targets: () => HttpTarget[], private readonly dim: number) {}

  start(writers = 2, searchers = 2): void {
    for (let w = 0; w < writers; w++) this.loops.push(this.writeLoop(w));
    for (let s = 0; s < searchers; s++) this.loops.push(this.searchLoop(s));
  }

  private vectorFor(id: number): number[] {
    return Array.from({ length: this.dim }, (_, d) => Math.sin(id * 0.37 + d));
  }

  private async writeLoop(w: number): Promise<void> {
    let turn = w;
    while (this.running) {
      const targets = this.targets();
      const target = targets[turn++ % targets.length];
      const ids = [this.nextId++, this.nextId++, this.nextId++];
      const startedAt = Date.now();
      try {
        const response = await target.call('PUT', `/collections/${this.collection}/points?wait=false`, { points: ids.map((id) => ({ id, vector: this.vectorFor(id), payload: { id } })) });
        if (response.status === 200) this.acked.push({ ids, token: String(response.headers['x-ruvector-write-token']), startedAt, ackedAt: Date.now(), via: target.id });
        else this.writeErrors.push({ at: startedAt, via: target.id, error: `${response.status} ${JSON.stringify(response.body).slice(0, 200)}` });
      } catch (error) {
        this.writeErrors.push({ at: startedAt, via: target.id, error: (error as Error).message });
      }
    }
  }

  private async searchLoop(s: number): Promise<void> {
    let turn = s;
    while (this.running) {
      const targets = this.targets();
      const target = targets[turn++ % targets.length];
      const at = Date.now();
      try {
        const response = await target.call('POST', `/collections/${this.collection}/points/search`, { vector: this.vectorFor(turn), limit: 5 });
        if (response.status === 200) this.searches++;
        else this.searchErrors.push({ at, via: target.id, error: `${response.status} ${JSON.stringify(response.body).slice(0, 200)}` });
      } catch (error) {
        this.searchErrors.push({ at, via: target.id, error: (error as Error).message });
      }
      await new Promise((r) => setTimeout(r, 5));
    }
  }

  async stop(): Promise<void> {
    this.running = false;
    await Promise.all(this.loops);
  }

  /** The highest acknowledged sequence per shard, as a read-after token. */
  maxToken(): string {
    const max = new Map<string, number>();
    for (const record of this.acked) {
      for (const part of record.token.split(',')) {
        if (part === '') continue;
        const [shard, seq] = part.split(':');
        max.set(shard, Math.max(max.get(shard) ?? 0, Number(seq)));
      }
    }
    return [...max.entries()].map(([shard, seq]) => `${shard}:${seq}`).join(',');
  }

  /** Longest time a write took to be acknowledged among those started in [from, to). */
  longestAck(from: number, to = Infinity): number {
    return Math.max(0, ...this.acked.filter((r) => r.startedAt >= from && r.startedAt < to).map((r) => r.ackedAt - r.startedAt));
  }

  /**
   * Replica by replica, not through the fan-out (which asks one replica per shard): every local
   * replica of the collection on `node` holds every acknowledged point of its shard, with its
   * payload and vector, once it has applied the highest acknowledged sequence of its shard.
   * Returns the number of points checked.
   */
  async verifyReplicas(node: ReplicaHost, shardOf: (id: number) => number): Promise<number> {
    const meta = node.cluster.resolve(this.collection);
    const wanted = new Map<number, number>();
    for (const part of this.maxToken().split(',')) {
      if (part === '') continue;
      const [shard, seq] = part.split(':').map(Number);
      wanted.set(shard, seq);
    }
    const ids = this.acked.flatMap((r) => r.ids);
    let checked = 0;
    const deadline = Date.now() + 60_000;
    for (const replica of node.cluster.localReplicas().filter((r) => r.collection === meta.name)) {
      // Wait until this replica has applied what was acknowledged on its shard.
      while (node.cluster.localReplicas().find((r) => r.stream === replica.stream)!.applied < (wanted.get(replica.shard) ?? 0)) {
        assert.ok(Date.now() < deadline, `replica ${replica.stream} on ${node.id} did not catch up to ${wanted.get(replica.shard)}`);
        await new Promise((resolve) => setTimeout(resolve, 50));
      }
      const local = node.db.collection(`c-${meta.uid}-s${replica.shard}`);
      const mine = ids.filter((id) => shardOf(id) === replica.shard);
      const missing: number[] = [];
      for (let i = 0; i < mine.length; i += 500) {
        const found = local.retrieve({ ids: mine.slice(i, i + 500), with_payload: true, with_vector: true }) as { id: number; payload: { id?: number } | null; vector?: number[] | null }[];
        const byId = new Map(found.map((p) => [p.id, p]));
        for (const id of mine.slice(i, i + 500)) {
          const point = byId.get(id);
          const expected = this.vectorFor(id);
          const vectorOk = point?.vector !== undefined && point.vector !== null && point.vector.length === expected.length
            && point.vector.every((v, d) => Math.abs(v - expected[d] / Math.hypot(...expected)) < 1e-4 || Math.abs(v - expected[d]) < 1e-4);
          if (point === undefined || point.payload?.id !== id || !vectorOk) missing.push(id);
        }
      }
      assert.deepEqual(missing.slice(0, 20), [], `acknowledged writes missing or wrong in replica ${replica.stream} on node ${node.id} (${missing.length} of ${mine.length})`);
      checked += mine.length;
    }
    return checked;
  }

  /** Every acknowledged point is readable through `target`, with its payload. */
  async verify(target: HttpTarget): Promise<number> {
    const ids = this.acked.flatMap((r) => r.ids);
    const token = this.maxToken();
    for (let i = 0; i < ids.length; i += 500) {
      const chunk = ids.slice(i, i + 500);
      const response = await target.call('POST', `/collections/${this.collection}/points`, { ids: chunk, with_payload: true }, { 'x-ruvector-read-after': token });
      assert.equal(response.status, 200, JSON.stringify(response.body));
      const found = new Map((response.body.result as { id: number; payload: { id: number } }[]).map((p) => [p.id, p.payload]));
      const missing = chunk.filter((id) => found.get(id)?.id !== id);
      assert.deepEqual(missing, [], `acknowledged writes missing through node ${target.id}`);
    }
    return ids.length;
  }
}
