// service.trusted_proxies: addresses and CIDRs accepted (v4 and v6), a typo refused naming the key.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { parseTrustedProxies } from '../../../src/config/index.js';

test('trusted proxies: addresses and CIDRs are accepted; anything else names the key and the entry', () => {
  assert.deepEqual(parseTrustedProxies(' 10.0.0.0/8, 127.0.0.1 ,::1,fd00::/8,'), ['10.0.0.0/8', '127.0.0.1', '::1', 'fd00::/8']);
  for (const bad of ['loadbalancer', '10.0.0.0/33', '10.0.0.1/8/1', '::1/129', '10.0.0/8', '10.0.0.0/x']) {
    assert.throws(() => parseTrustedProxies(bad), { code: 'RV_CONFIG_INVALID', message: new RegExp(`service\\.trusted_proxies: "${bad.replace(/[./]/g, '\\$&')}" is not an IP address or CIDR`) }, bad);
  }
});
