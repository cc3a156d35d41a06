/** server/: the Qdrant-compatible REST API over the engine (the only layer that imports Fastify). */
export {
  createServer, DEFAULT_BODY_LIMIT_BYTES, DEFAULT_SNAPSHOT_UPLOAD_LIMIT_BYTES, type RuVectorServer, type ServerOptions,
} from './create-server.js';
export { STATUS_BY_KIND, STATUS_BY_TRANSPORT, httpStatusOf } from './error-status.js';
export { isLoopbackHost } from '../config/index.js';
export { collectionInfo } from './collection-info.js';
