/**
 * The response header that carries the request's correlation id. The id itself is chosen by
 * observability/ (`correlationIdOf`: the client's X-Correlation-ID or X-Request-ID when sane,
 * else a fresh UUID) and written into every log line of the request.
 */
export const REQUEST_ID_HEADER = 'x-request-id';
