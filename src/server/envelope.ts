/**
 * Qdrant's response envelope: `{result, status: "ok", time}` on success and
 * `{status: {error}, time}` on failure, where `time` is the seconds spent on the request.
 * RuVector adds its stable `code` and `retryable` to errors.
 */
import type { FastifyReply } from 'fastify';

export interface OkEnvelope<T> {
  result: T;
  status: 'ok';
  time: number;
}

export interface ErrorEnvelope {
  status: { error: string };
  time: number;
  code: string;
  retryable: boolean;
}

/** Seconds since the request arrived (Fastify measures from onRequest). */
export function elapsedSeconds(reply: FastifyReply): number {
  return reply.elapsedTime / 1000;
}

/**
 * @example return ok(reply, { exists: true }); // {"result":{"exists":true},"status":"ok","time":0.0001}
 */
export function ok<T>(reply: FastifyReply, result: T): OkEnvelope<T> {
  return { result, status: 'ok', time: elapsedSeconds(reply) };
}
