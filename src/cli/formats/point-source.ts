/** What every import format yields: points in file order, each with where it came from. */
import type { PointInput } from '../target/target.js';

export interface SourcedPoint {
  point: PointInput;
  /** `line 12` or `row 7`, for error messages. */
  position: string;
}

export interface PointSource {
  /** Points in file order; a malformed entry throws an RvError naming its position. */
  points(): AsyncGenerator<SourcedPoint>;
  /** Bytes consumed so far and the file's size, for progress and ETA. */
  readonly progress: { bytesRead: number; totalBytes: number };
}
