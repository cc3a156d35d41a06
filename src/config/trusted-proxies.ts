/**
 * `service.trusted_proxies`: a comma-separated list of IP addresses or CIDRs. Parsed here so a
 * typo stops the start naming the key, instead of a bare error from Fastify's proxy matcher.
 */
import { isIP } from 'node:net';
import { RvError } from '../errors.js';

/**
 * The entries of `service.trusted_proxies`, each an IPv4/IPv6 address or CIDR.
 * @throws RV_CONFIG_INVALID naming the key and the first bad entry.
 * @example parseTrustedProxies('10.0.0.0/8, 127.0.0.1') // ['10.0.0.0/8', '127.0.0.1']
 */
export function parseTrustedProxies(value: string): string[] {
  const entries = value.split(',').map((entry) => entry.trim()).filter((entry) => entry.length > 0);
  for (const entry of entries) {
    const [address, prefix, extra] = entry.split('/');
    const family = isIP(address);
    const maxPrefix = family === 4 ? 32 : 128;
    const prefixOk = prefix === undefined || (/^\d{1,3}$/.test(prefix) && Number(prefix) <= maxPrefix);
    if (family === 0 || !prefixOk || extra !== undefined) {
      throw new RvError('RV_CONFIG_INVALID', `service.trusted_proxies: ${JSON.stringify(entry)} is not an IP address or CIDR (e.g. 10.0.0.0/8, 127.0.0.1, ::1)`,
        { details: { field: 'service.trusted_proxies' } });
    }
  }
  return entries;
}
