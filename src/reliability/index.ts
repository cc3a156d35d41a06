/** reliability/: load shedding (timeouts, breakers, read-only degradation and shutdown follow with #6). */
export { LoadShedder, DEFAULT_MAX_IN_FLIGHT, type LoadSheddingOptions } from './load-shedder.js';
