/**
 * Hierarchical Navigable Small World graph.
 * Malkov & Yashunin, "Efficient and robust approximate nearest neighbor search using
 * Hierarchical Navigable Small World graphs", IEEE TPAMI 2018 (arXiv:1603.09320):
 * Algorithm 1 (INSERT), 2 (SEARCH-LAYER), 4 (SELECT-NEIGHBORS-HEURISTIC), 5 (K-NN-SEARCH).
 *
 * Layout: vectors in one WebAssembly memory (VectorStore), scored in batches by the SIMD
 * kernels: each expanded node's unvisited neighbours are gathered and scored in one call.
 * Level-0 links in one Int32Array (`m0 + 1` slots per node: count, then ids); upper-level
 * links per node in a small Int32Array (`m + 1` slots per level).
 *
 * Writes never stall searches: `upsert` only stores the vector and queues the node as
 * *pending*; `linkPending` links queued nodes into the graph in caller-bounded slices.
 * Searches score pending nodes exactly (the "unindexed tail"), so a point is searchable
 * as soon as it is upserted. Node states, in `flags`:
 *   PRESENT            a live point
 *   PRESENT | PENDING  live, vector stored, (re)linking queued; excluded from graph results
 *                      (its old links, if any, stay until relinked) and scored by the tail scan
 *   PRESENT | DELETED  a tombstone in the graph: traversed, never returned; `vacuum` repairs
 *                      the neighbourhoods around tombstones and frees them
 *   0                  free (never used, or vacuumed)
 * Upsert of an existing id overwrites its vector in place and relinks it (never two nodes
 * for one id). A free or tombstoned id may be reused at any time.
 */
import type { Metric } from '../distance/metric.js';
import type { BatchScorer, FloatScorer } from '../distance/scorer.js';
import type { Kernels } from '../distance/kernels.js';
import { MaxHeap, MinHeap } from '../util/heap.js';
import { VisitedSet } from '../util/visited-set.js';
import { mulberry32 } from '../util/random.js';
import { VectorStore } from './vector-store.js';
import { scanInto, type Neighbor } from './exact-scan.js';

const PRESENT = 1;
const DELETED = 2;
const PENDING = 4;
const MAX_LEVEL = 15;

export interface HnswOptions {
  dim: number;
  metric: Metric;
  /** Links per node on upper levels (level 0 keeps 2·m). Qdrant default 16. */
  m?: number;
  /** Candidate list size while building. Qdrant default 100. */
  efConstruction?: number;
  seed?: number;
  kernels?: Kernels;
  initialCapacity?: number;
}

export interface HnswSearchOptions {
  k: number;
  /** Candidate list size (Qdrant's `hnsw_ef`); raised to k when smaller. */
  ef: number;
  /** Acceptance predicate evaluated inside the traversal (filtered search). */
  accept?: (id: number) => boolean;
  /** Traverse and score with this scorer instead of the float vectors (quantized codes). */
  scorer?: BatchScorer;
  /** Drop results farther than this internal distance (score_threshold). */
  maxDistance?: number;
}

/** What a checkpoint holds: a small JSON header and a few large buffers. */
export interface HnswSnapshot {
  header: {
    dim: number; m: number; efConstruction: number; size: number;
    entryPoint: number; maxLevel: number; seed: number; stride: number;
  };
  sections: Uint8Array[];
}

export class HnswIndex {
  readonly vectors: VectorStore;
  readonly m: number;
  readonly m0: number;
  readonly efConstruction: number;
  private readonly levelMultiplier: number;
  private readonly seed: number;
  private random: () => number;

  /** Highest used id + 1. */
  private size = 0;
  private capacity = 0;
  private flags = new Uint8Array(0);
  private levels = new Int8Array(0);
  private versions = new Float64Array(0);
  private links0 = new Int32Array(0);
  private upper: (Int32Array | undefined)[] = [];
  private entryPoint = -1;
  private maxLevel = -1;

  private pendingQueue = new Int32Array(1024);
  private pendingHead = 0;
  private pendingTail = 0;
  private pendingCount = 0;
  private liveCount = 0;
  private linkedCount = 0;
  private tombstoneCount = 0;

  private readonly visited = new VisitedSet(1024);
  private readonly candidates = new MinHeap(256);
  private readonly results = new MaxHeap(256);

  constructor(options: HnswOptions) {
    this.m = options.m ?? 16;
    this.m0 = this.m * 2;
    this.efConstruction = Math.max(options.efConstruction ?? 100, this.m);
    this.levelMultiplier = 1 / Math.log(Math.max(this.m, 2));
    this.seed = options.seed ?? 42;
    this.random = mulberry32(this.seed);
    this.vectors = new VectorStore({ dim: options.dim, metric: options.metric, kernels: options.kernels, initialCapacity: options.initialCapacity });
    this.ensureCapacity(options.initialCapacity ?? 1024);
  }

  get dim(): number {
    return this.vectors.dim;
  }

  /** Live points (linked or pending). */
  get count(): number {
    return this.liveCount;
  }

  /** Live points linked into the graph (Qdrant's indexed_vectors_count). */
  get indexedCount(): number {
    return this.linkedCount - this.tombstoneCount;
  }

  /** Points stored but not yet linked (scored exactly by searches meanwhile). */
  get pendingLinks(): number {
    return this.pendingCount;
  }

  /** Tombstones over linked nodes: vacuum when this passes deleted_threshold. */
  get deletedRatio(): number {
    return this.linkedCount === 0 ? 0 : this.tombstoneCount / this.linkedCount;
  }

  /** Highest id ever used + 1. */
  get idBound(): number {
    return this.size;
  }

  isLive(id: number): boolean {
    return id < this.size && (this.flags[id] & (PRESENT | DELETED)) === PRESENT;
  }

  versionOf(id: number): number | undefined {
    return this.isLive(id) ? this.versions[id] : undefined;
  }

  /** The stored (prepared) vector of a live point. */
  vectorOf(id: number): Float32Array | undefined {
    return this.isLive(id) ? this.vectors.get(id) : undefined;
  }

  /** Memory held by vectors and links, in bytes. */
  memoryBytes(): number {
    let upperBytes = 0;
    for (const u of this.upper) if (u !== undefined) upperBytes += u.byteLength;
    return this.vectors.records.kernels.memory.buffer.byteLength + this.links0.byteLength + upperBytes
      + this.flags.byteLength + this.levels.byteLength + this.versions.byteLength;
  }

  private ensureCapacity(count: number): void {
    if (count <= this.capacity) return;
    let capacity = Math.max(this.capacity, 1024);
    while (capacity < count) capacity *= 2;
    const grow = <T extends Uint8Array | Int8Array | Float64Array | Int32Array>(old: T, make: (n: number) => T, n: number): T => {
      const next = make(n);
      next.set(old as never);
      return next;
    };
    this.flags = grow(this.flags, (n) => new Uint8Array(n), capacity);
    const levels = new Int8Array(capacity).fill(-1);
    levels.set(this.levels);
    this.levels = levels;
    this.versions = grow(this.versions, (n) => new Float64Array(n), capacity);
    this.links0 = grow(this.links0, (n) => new Int32Array(n), capacity * (this.m0 + 1));
    this.capacity = capacity;
    this.vectors.records.ensureCapacity(capacity);
  }

  // ---------------------------------------------------------------- writes

  /**
   * Stores a prepared vector for `id` (new, tombstoned, free, or live: overwritten in
   * place) and queues it for linking. Searchable at once through the tail scan.
   */
  upsert(id: number, prepared: Float32Array, version = 0): void {
    if (!Number.isInteger(id) || id < 0) throw new RangeError(`internal id ${id} is not a non-negative integer`);
    if (prepared.length !== this.dim) throw new RangeError(`vector has ${prepared.length} dimensions, index expects ${this.dim}`);
    this.ensureCapacity(id + 1);
    if (id >= this.size) this.size = id + 1;
    const flags = this.flags[id];
    if ((flags & PRESENT) === 0 || (flags & DELETED) !== 0) this.liveCount++;
    if ((flags & DELETED) !== 0) this.tombstoneCount--;
    this.vectors.set(id, prepared);
    this.versions[id] = version;
    if ((flags & PENDING) === 0 || (flags & DELETED) !== 0) this.enqueuePending(id);
    this.flags[id] = PRESENT | PENDING;
  }

  /** Sets the version of a live point without touching its vector (payload-only writes). */
  setVersion(id: number, version: number): void {
    if (this.isLive(id)) this.versions[id] = version;
  }

  /** Tombstones `id`: never returned again. Returns false when it was not live. */
  delete(id: number): boolean {
    if (!this.isLive(id)) return false;
    this.liveCount--;
    if (this.levels[id] >= 0) {
      this.flags[id] = PRESENT | DELETED;
      this.tombstoneCount++;
    } else {
      this.flags[id] = 0; // never linked: nothing points at it
    }
    return true;
  }

  private enqueuePending(id: number): void {
    if (this.pendingTail === this.pendingQueue.length) {
      const live = this.pendingTail - this.pendingHead;
      const next = live * 2 < this.pendingQueue.length ? this.pendingQueue : new Int32Array(this.pendingQueue.length * 2);
      next.set(this.pendingQueue.subarray(this.pendingHead, this.pendingTail), 0);
      this.pendingQueue = next;
      this.pendingHead = 0;
      this.pendingTail = live;
    }
    this.pendingQueue[this.pendingTail++] = id;
    this.pendingCount++;
  }

  /**
   * Links pending nodes into the graph until the queue is empty or `shouldStop()` says so
   * (checked after every node). Returns the number of nodes linked.
   */
  linkPending(shouldStop: () => boolean = () => false): number {
    let linked = 0;
    while (this.pendingHead < this.pendingTail) {
      const id = this.pendingQueue[this.pendingHead++];
      this.pendingCount--;
      if ((this.flags[id] & (PENDING | DELETED)) !== PENDING) continue; // deleted or dequeued twice
      this.link(id);
      linked++;
      if (shouldStop()) break;
    }
    if (this.pendingHead === this.pendingTail) {
      this.pendingHead = 0;
      this.pendingTail = 0;
      this.pendingCount = 0;
    }
    return linked;
  }

  private randomLevel(): number {
    const level = Math.floor(-Math.log(Math.max(this.random(), 1e-12)) * this.levelMultiplier);
    return Math.min(level, MAX_LEVEL);
  }

  private maxLinks(level: number): number {
    return level === 0 ? this.m0 : this.m;
  }

  /** Links of `id` at `level`: [array, offset]; array[offset] is the count. */
  private linksAt(id: number, level: number): [Int32Array, number] {
    if (level === 0) return [this.links0, id * (this.m0 + 1)];
    return [this.upper[id] as Int32Array, (level - 1) * (this.m + 1)];
  }

  /** Algorithm 1: insert (or relink) node `q`, whose vector is stored. */
  private link(q: number): void {
    const wasLinked = this.levels[q] >= 0;
    const level = wasLinked ? this.levels[q] : this.randomLevel();
    if (!wasLinked) {
      this.levels[q] = level;
      this.upper[q] = level > 0 ? new Int32Array(level * (this.m + 1)) : undefined;
      this.links0[q * (this.m0 + 1)] = 0;
      this.linkedCount++;
    }
    this.flags[q] = PRESENT;

    if (this.entryPoint < 0 || (this.entryPoint === q && this.linkedCount === 1)) {
      this.entryPoint = q;
      this.maxLevel = level;
      return;
    }

    const scorer = this.vectors.scorer(q);
    let current = this.entryPoint;
    let currentDistance = this.scoreOne(scorer, current);
    for (let l = this.maxLevel; l > level; l--) {
      [current, currentDistance] = this.greedyClosest(scorer, current, currentDistance, l);
    }
    const accept = (id: number): boolean => id !== q && (this.flags[id] & DELETED) === 0;
    for (let l = Math.min(level, this.maxLevel); l >= 0; l--) {
      this.searchLayer(scorer, current, currentDistance, this.efConstruction, l, accept);
      const { ids, keys } = this.results.drainAscending();
      if (ids.length === 0) continue;
      current = ids[0];
      currentDistance = keys[0];
      const selected = this.selectNeighbors(scorer, ids, keys, this.m);
      const [links, offset] = this.linksAt(q, l);
      links[offset] = selected.length;
      for (let i = 0; i < selected.length; i++) links[offset + 1 + i] = selected[i];
      for (const neighbor of selected) this.addLink(scorer, neighbor, q, l);
    }
    if (level > this.maxLevel) {
      this.entryPoint = q;
      this.maxLevel = level;
    }
  }

  private scoreOne(scorer: BatchScorer, id: number): number {
    scorer.ids()[scorer.idsBase] = id;
    return scorer.score(1)[scorer.outBase];
  }

  /** Greedy descent on one upper level (ef = 1). */
  private greedyClosest(scorer: BatchScorer, start: number, startDistance: number, level: number): [number, number] {
    let current = start;
    let best = startDistance;
    let changed = true;
    while (changed) {
      changed = false;
      const [links, offset] = this.linksAt(current, level);
      const count = links[offset];
      if (count === 0) break;
      const idsView = scorer.ids();
      const base = scorer.idsBase;
      for (let i = 0; i < count; i++) idsView[base + i] = links[offset + 1 + i];
      const out = scorer.score(count);
      const outBase = scorer.outBase;
      for (let i = 0; i < count; i++) {
        if (out[outBase + i] < best) {
          best = out[outBase + i];
          current = links[offset + 1 + i];
          changed = true;
        }
      }
    }
    return [current, best];
  }

  /**
   * Algorithm 2 on one level, with neighbour scoring batched per expanded node. Results
   * (in `this.results`, at most `ef`) hold only nodes passing `accept`; traversal passes
   * through all nodes, so a filter narrows results without cutting the graph.
   */
  private searchLayer(scorer: BatchScorer, entry: number, entryDistance: number, ef: number, level: number, accept: (id: number) => boolean): void {
    const visited = this.visited;
    const candidates = this.candidates;
    const results = this.results;
    visited.reset(this.size);
    candidates.clear();
    results.clear();
    visited.visit(entry);
    candidates.push(entryDistance, entry);
    if (accept(entry)) results.push(entryDistance, entry);
    const stride = this.m0 + 1;
    const links0 = this.links0;

    while (candidates.size > 0) {
      const candidateDistance = candidates.topKey();
      if (results.size >= ef && candidateDistance > results.topKey()) break;
      const c = candidates.topValue();
      candidates.pop();

      let links: Int32Array;
      let offset: number;
      if (level === 0) {
        links = links0;
        offset = c * stride;
      } else {
        [links, offset] = this.linksAt(c, level);
      }
      const count = links[offset];
      const idsView = scorer.ids();
      const base = scorer.idsBase;
      let n = 0;
      for (let i = 1; i <= count; i++) {
        const neighbor = links[offset + i];
        if (visited.visit(neighbor)) idsView[base + n++] = neighbor;
      }
      if (n === 0) continue;
      const out = scorer.score(n);
      const outBase = scorer.outBase;
      const ids = scorer.ids();
      for (let i = 0; i < n; i++) {
        const d = out[outBase + i];
        if (results.size < ef || d < results.topKey()) {
          const neighbor = ids[base + i];
          candidates.push(d, neighbor);
          if (accept(neighbor)) {
            if (results.size < ef) results.push(d, neighbor);
            else results.replaceTop(d, neighbor);
          }
        }
      }
    }
  }

  /**
   * Algorithm 4 (heuristic, without extending candidates, keeping pruned ones out as
   * hnswlib does): a candidate is kept only if it is closer to the base than to every
   * neighbour kept so far, which keeps links spread in all directions.
   * `ids`/`keys` are sorted ascending by distance to the base node.
   */
  private selectNeighbors(scorer: FloatScorer, ids: number[], keys: number[], limit: number): number[] {
    if (ids.length <= limit) return ids.slice();
    const selected: number[] = [];
    for (let i = 0; i < ids.length && selected.length < limit; i++) {
      const candidate = ids[i];
      if (selected.length === 0) {
        selected.push(candidate);
        continue;
      }
      const idsView = scorer.ids();
      const base = scorer.idsBase;
      for (let j = 0; j < selected.length; j++) idsView[base + j] = selected[j];
      const out = scorer.scoreFromRecord(candidate, selected.length);
      const outBase = scorer.outBase;
      let good = true;
      for (let j = 0; j < selected.length; j++) {
        if (out[outBase + j] < keys[i]) {
          good = false;
          break;
        }
      }
      if (good) selected.push(candidate);
    }
    return selected;
  }

  /** Adds the reverse link neighbour → q, shrinking neighbour's list by the heuristic when full. */
  private addLink(scorer: FloatScorer, neighbor: number, q: number, level: number): void {
    const [links, offset] = this.linksAt(neighbor, level);
    const count = links[offset];
    const max = this.maxLinks(level);
    for (let i = 1; i <= count; i++) if (links[offset + i] === q) return;
    if (count < max) {
      links[offset + 1 + count] = q;
      links[offset] = count + 1;
      return;
    }
    // Candidates: the current links plus q, scored from `neighbor`, sorted by insertion
    // (at most 2m + 1 of them, so no allocation-heavy sort).
    const idsView = scorer.ids();
    const base = scorer.idsBase;
    for (let i = 0; i < count; i++) idsView[base + i] = links[offset + 1 + i];
    idsView[base + count] = q;
    const total = count + 1;
    const out = scorer.scoreFromRecord(neighbor, total);
    const sortedIds: number[] = new Array<number>(total);
    const sortedKeys: number[] = new Array<number>(total);
    for (let i = 0; i < total; i++) {
      const d = out[scorer.outBase + i];
      const id = idsView[base + i];
      let j = i;
      while (j > 0 && sortedKeys[j - 1] > d) {
        sortedKeys[j] = sortedKeys[j - 1];
        sortedIds[j] = sortedIds[j - 1];
        j--;
      }
      sortedKeys[j] = d;
      sortedIds[j] = id;
    }
    const selected = this.selectNeighbors(scorer, sortedIds, sortedKeys, max);
    links[offset] = selected.length;
    for (let i = 0; i < selected.length; i++) links[offset + 1 + i] = selected[i];
  }

  // ---------------------------------------------------------------- search

  /**
   * Algorithm 5 over the graph, plus an exact scan of pending nodes; the closest `k`
   * accepted live points, closest first.
   */
  search(query: Float32Array, options: HnswSearchOptions): Neighbor[] {
    const k = options.k;
    const ef = Math.max(options.ef, k);
    const userAccept = options.accept;
    const flags = this.flags;
    const accept = userAccept === undefined
      ? (id: number): boolean => flags[id] === PRESENT
      : (id: number): boolean => flags[id] === PRESENT && userAccept(id);
    const scorer = options.scorer ?? this.vectors.scorer(query);
    const maxDistance = options.maxDistance ?? Infinity;

    const results = this.results;
    results.clear();
    if (this.entryPoint >= 0) {
      let current = this.entryPoint;
      let currentDistance = this.scoreOne(scorer, current);
      for (let l = this.maxLevel; l > 0; l--) {
        [current, currentDistance] = this.greedyClosest(scorer, current, currentDistance, l);
      }
      // The score threshold is applied after the traversal: bounding the result set inside
      // it would keep the set under ef and turn the search into a scan of the whole graph.
      this.searchLayer(scorer, current, currentDistance, ef, 0, accept);
    }
    if (this.pendingHead < this.pendingTail) {
      const tailAccept = (id: number): boolean => (flags[id] & (PENDING | DELETED)) === PENDING && (userAccept === undefined || userAccept(id));
      scanInto(scorer, this.pendingQueue, results, { capacity: ef, start: this.pendingHead, end: this.pendingTail, accept: tailAccept, maxDistance });
    }
    while (results.size > k) results.pop();
    const { ids, keys } = results.drainAscending();
    const neighbors: Neighbor[] = [];
    for (let i = 0; i < ids.length; i++) if (keys[i] <= maxDistance) neighbors.push({ id: ids[i], distance: keys[i] });
    return neighbors;
  }

  /** Ids of all live points, ascending (for exact scans). */
  liveIds(): Int32Array {
    const out = new Int32Array(this.liveCount);
    let n = 0;
    for (let id = 0; id < this.size; id++) if ((this.flags[id] & (PRESENT | DELETED)) === PRESENT) out[n++] = id;
    return n === out.length ? out : out.subarray(0, n);
  }

  // ---------------------------------------------------------------- vacuum

  /**
   * Repairs every neighbourhood that links to a tombstone (candidates: the live neighbours
   * plus the live neighbours of the dead ones, re-selected by the heuristic), then frees the
   * tombstones. Returns the freed ids. Synchronous: call it when deletedRatio passes the
   * threshold; its cost is proportional to the damaged neighbourhoods, not to the index.
   */
  vacuum(): number[] {
    if (this.tombstoneCount === 0) return [];
    const flags = this.flags;
    const isDead = (id: number): boolean => (flags[id] & DELETED) !== 0;
    const scorer = this.vectors.scorer(new Float32Array(this.dim));
    for (let u = 0; u < this.size; u++) {
      if (flags[u] === 0 || isDead(u) || this.levels[u] < 0) continue;
      for (let l = 0; l <= this.levels[u]; l++) {
        const [links, offset] = this.linksAt(u, l);
        const count = links[offset];
        let damaged = false;
        for (let i = 1; i <= count; i++) if (isDead(links[offset + i])) { damaged = true; break; }
        if (!damaged) continue;
        const candidateSet = new Set<number>();
        for (let i = 1; i <= count; i++) {
          const v = links[offset + i];
          if (!isDead(v)) { candidateSet.add(v); continue; }
          if (this.levels[v] < l) continue;
          const [vLinks, vOffset] = this.linksAt(v, l);
          for (let j = 1; j <= vLinks[vOffset]; j++) {
            const w = vLinks[vOffset + j];
            if (w !== u && !isDead(w)) candidateSet.add(w);
          }
        }
        const candidateIds = [...candidateSet];
        const scored: { id: number; d: number }[] = [];
        for (let startAt = 0; startAt < candidateIds.length; startAt += scorer.maxBatch) {
          const chunk = candidateIds.slice(startAt, startAt + scorer.maxBatch);
          const idsView = scorer.ids();
          chunk.forEach((id, i) => { idsView[scorer.idsBase + i] = id; });
          const out = scorer.scoreFromRecord(u, chunk.length);
          chunk.forEach((id, i) => scored.push({ id, d: out[scorer.outBase + i] }));
        }
        scored.sort((a, b) => a.d - b.d);
        const selected = this.selectNeighbors(scorer, scored.map((s) => s.id), scored.map((s) => s.d), this.maxLinks(l));
        links[offset] = selected.length;
        for (let i = 0; i < selected.length; i++) links[offset + 1 + i] = selected[i];
      }
    }
    const freed: number[] = [];
    for (let id = 0; id < this.size; id++) {
      if (!isDead(id)) continue;
      freed.push(id);
      flags[id] = 0;
      this.levels[id] = -1;
      this.upper[id] = undefined;
      this.links0[id * (this.m0 + 1)] = 0;
      this.linkedCount--;
    }
    this.tombstoneCount = 0;
    if (this.entryPoint >= 0 && flags[this.entryPoint] === 0) this.chooseNewEntryPoint();
    return freed;
  }

  private chooseNewEntryPoint(): void {
    this.entryPoint = -1;
    this.maxLevel = -1;
    for (let id = 0; id < this.size; id++) {
      if ((this.flags[id] & PRESENT) !== 0 && this.levels[id] > this.maxLevel) {
        this.entryPoint = id;
        this.maxLevel = this.levels[id];
      }
    }
  }

  // ---------------------------------------------------------------- checkpoint

  /** The index as a few large buffers (see HnswSnapshot); pending nodes stay pending. */
  save(): HnswSnapshot {
    const size = this.size;
    let upperLength = 0;
    for (let id = 0; id < size; id++) if (this.levels[id] > 0) upperLength += this.levels[id] * (this.m + 1);
    const upper = new Int32Array(upperLength);
    let at = 0;
    for (let id = 0; id < size; id++) {
      const links = this.upper[id];
      if (this.levels[id] > 0 && links !== undefined) {
        upper.set(links, at);
        at += links.length;
      }
    }
    const pending = this.pendingQueue.slice(this.pendingHead, this.pendingTail);
    const bytes = (a: ArrayBufferView): Uint8Array => new Uint8Array(a.buffer, a.byteOffset, a.byteLength);
    return {
      header: {
        dim: this.dim, m: this.m, efConstruction: this.efConstruction, size,
        entryPoint: this.entryPoint, maxLevel: this.maxLevel, seed: this.seed, stride: this.vectors.records.stride,
      },
      sections: [
        this.vectors.snapshotBytes(size),
        this.flags.slice(0, size),
        bytes(this.levels.slice(0, size)),
        bytes(this.versions.slice(0, size)),
        bytes(this.links0.slice(0, size * (this.m0 + 1))),
        bytes(upper),
        bytes(pending),
      ],
    };
  }

  /** Rebuilds an index from save() output; throws RangeError when the buffers are inconsistent. */
  static load(snapshot: HnswSnapshot, options: { metric: Metric; kernels?: Kernels }): HnswIndex {
    const h = snapshot.header;
    const index = new HnswIndex({ dim: h.dim, metric: options.metric, m: h.m, efConstruction: h.efConstruction, seed: h.seed + h.size, kernels: options.kernels, initialCapacity: Math.max(h.size, 1024) });
    const [vectorBytes, flags, levelBytes, versionBytes, links0Bytes, upperBytes, pendingBytes] = snapshot.sections;
    const asInt32 = (b: Uint8Array): Int32Array => new Int32Array(b.slice().buffer);
    if (index.vectors.records.stride !== h.stride) throw new RangeError('checkpoint vector stride does not match');
    if (flags.length !== h.size || levelBytes.length !== h.size || versionBytes.length !== h.size * 8
      || links0Bytes.length !== h.size * (index.m0 + 1) * 4) throw new RangeError('checkpoint buffers do not match its header');
    index.vectors.restoreBytes(vectorBytes, h.size);
    index.size = h.size;
    index.flags.set(flags);
    index.levels.set(new Int8Array(levelBytes.buffer, levelBytes.byteOffset, levelBytes.length));
    index.versions.set(new Float64Array(versionBytes.slice().buffer));
    index.links0.set(asInt32(links0Bytes));
    const upper = asInt32(upperBytes);
    let at = 0;
    for (let id = 0; id < h.size; id++) {
      const level = index.levels[id];
      if (level >= 0) index.linkedCount++;
      if (level > 0) {
        const length = level * (index.m + 1);
        if (at + length > upper.length) throw new RangeError('checkpoint upper links are truncated');
        index.upper[id] = upper.slice(at, at + length);
        at += length;
      }
      const f = index.flags[id];
      if ((f & PRESENT) !== 0 && (f & DELETED) === 0) index.liveCount++;
      if ((f & DELETED) !== 0) index.tombstoneCount++;
    }
    index.entryPoint = h.entryPoint;
    index.maxLevel = h.maxLevel;
    for (const id of asInt32(pendingBytes)) {
      if ((index.flags[id] & PENDING) !== 0) index.enqueuePending(id);
    }
    return index;
  }
}
