/** Shared fixtures of the backup tests: a temp dir, a database with writes, and a full dump of its state. */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { TestContext } from 'node:test';
import { Database } from '../../../src/index.js';

export async function tempDir(t: TestContext, prefix: string): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), prefix));
  t.after(() => rm(dir, { recursive: true, force: true }));
  return dir;
}

export interface DumpedPoint {
  id: unknown;
  version: number;
  payload: unknown;
  vector: number[] | undefined;
}

/** Every collection's config, aliases and points (id, version, payload, vector), for equality checks. */
export function dump(db: Database): Record<string, unknown> {
  const out: Record<string, unknown> = { aliases: db.listAliases() };
  for (const name of db.listCollections()) {
    const c = db.collection(name);
    const points: DumpedPoint[] = [];
    let offset: unknown;
    do {
      const page = c.scroll({ limit: 1000, offset, with_payload: true, with_vector: true });
      for (const p of page.points) {
        const internal = c.shard.internalIdOf(p.id);
        points.push({ id: p.id, version: c.shard.point(internal as number, false)?.version as number, payload: p.payload, vector: p.vector ?? undefined });
      }
      offset = page.next_page_offset ?? undefined;
    } while (offset !== undefined);
    out[name] = { config: c.config, points };
  }
  return out;
}

/** Writes a batch of mixed operations (upserts, payload updates, a delete) seeded by `round`. */
export async function writeRound(db: Database, collection: string, round: number, size = 20): Promise<void> {
  const c = db.collection(collection);
  const points = Array.from({ length: size }, (_, i) => ({ id: round * 100 + i, vector: [round + i * 0.5, -i, (i % 3) + 0.25, round * 0.1], payload: { round, i, tag: `r${round}` } }));
  await c.upsert({ points });
  await c.setPayload({ payload: { touched: round }, points: [round * 100] });
  if (round > 0) await c.delete({ points: [(round - 1) * 100 + 1] });
}

export const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));
