/** Whether a bind address only accepts connections from this machine (the rule for `service.auth_disabled`). */
import { isIP } from 'node:net';

export function isLoopbackHost(host: string): boolean {
  const trimmed = host.trim().toLowerCase();
  const bare = trimmed.startsWith('[') && trimmed.endsWith(']') ? trimmed.slice(1, -1) : trimmed;
  if (bare === 'localhost') return true;
  if (isIP(bare) === 4) return bare.startsWith('127.');
  if (isIP(bare) === 6) return bare === '::1' || bare.startsWith('::ffff:127.');
  return false;
}
