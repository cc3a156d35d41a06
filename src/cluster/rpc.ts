/**
 * The wire format of shard reads over NATS request/reply: JSON requests and replies, and the
 * mapping of an RvError thrown on the serving replica back to the same RvError on the node
 * that fanned out (so a bad filter is a 400 whichever node evaluated it).
 */
import { ERROR_CODES, RvError, isRvError, type ErrorCode } from '../errors.js';

export type RpcOp = 'search' | 'count' | 'retrieve' | 'scroll' | 'versions' | 'applied' | 'info';

export interface RpcRequest {
  op: RpcOp;
  body: Record<string, unknown>;
  /** Read-your-writes: answer only after this sequence is applied. */
  after?: number;
  /** How long the replica may wait for `after`. */
  waitMs?: number;
}

export interface RpcError {
  code: string;
  message: string;
  details?: Record<string, unknown>;
}

export type RpcReply = { node: string; applied: number } & ({ result: unknown } | { error: RpcError });

const encoder = new TextEncoder();
const decoder = new TextDecoder();

export function encodeJson(value: unknown): Uint8Array {
  return encoder.encode(JSON.stringify(value));
}

export function decodeJson<T>(data: Uint8Array): T {
  return JSON.parse(decoder.decode(data)) as T;
}

export function errorReply(error: unknown): { error: RpcError } {
  if (isRvError(error)) return { error: { code: error.code, message: error.message, ...(error.details === undefined ? {} : { details: error.details as Record<string, unknown> }) } };
  return { error: { code: 'RV_INTERNAL', message: (error as Error).message } };
}

/** The RvError a replica reported, rebuilt on this node. */
export function remoteError(error: RpcError): RvError {
  const code = (Object.hasOwn(ERROR_CODES, error.code) ? error.code : 'RV_INTERNAL') as ErrorCode;
  return new RvError(code, error.message, error.details === undefined ? {} : { details: error.details });
}
