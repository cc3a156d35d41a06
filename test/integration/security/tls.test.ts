// HTTPS with real TLS on loopback: certificates from `ruvector certs dev` (openssl); mTLS
// accepts a client certificate from the CA and refuses a missing or foreign one; optional
// client auth refuses a presented but untrusted certificate; a renewed certificate is picked
// up without restart; the certificate and key may come from the secrets provider instead of
// files, and renewed ones in the secret store are installed without restart.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { request } from 'node:https';
import { X509Certificate } from 'node:crypto';
import { copyFileSync, mkdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { TLSSocket } from 'node:tls';
import { generateDevCertificates } from '../../../src/cli/commands/certs.js';
import { FileSecretProvider } from '../../../src/security/secrets/index.js';
import { loadTlsMaterial } from '../../../src/server/tls.js';
import { deferrer, startServer, tempDir } from '../server/helpers.js';

interface Answer { status: number; body: string; serial: string }

function get(url: string, options: { ca: Buffer; cert?: Buffer; key?: Buffer }): Promise<Answer> {
  return new Promise((resolve, reject) => {
    const req = request(url, { ...options, agent: false, servername: 'localhost' }, (res) => {
      let body = '';
      const serial = (res.socket as TLSSocket).getPeerCertificate().serialNumber;
      res.on('data', (c: Buffer) => { body += c.toString(); });
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body, serial }));
    });
    req.on('error', reject);
    req.end();
  });
}

test('mTLS required: CA-signed client certificate in, none or foreign out; renewed certificate reloaded', async (t) => {
  const defer = deferrer(t);
  const dir = tempDir(defer, 'rv-tls-');
  const pki = join(dir, 'pki');
  const other = join(dir, 'other');
  await generateDevCertificates(pki, { hosts: ['localhost', '127.0.0.1'], days: 2, clientName: 'client-a' });
  await generateDevCertificates(other, { hosts: ['localhost'], days: 2, clientName: 'intruder' });
  const live = join(dir, 'live');
  await generateDevCertificates(live, { hosts: ['localhost', '127.0.0.1'], days: 2, clientName: 'unused' });
  // The server uses pki's CA for clients, and a server certificate from `live` (its own CA).
  const { server } = await startServer(t, {
    tls: { certFile: join(live, 'server.pem'), keyFile: join(live, 'server-key.pem'), caFile: join(pki, 'ca.pem'), clientAuth: 'required', reloadIntervalSeconds: 1 },
  });
  const url = await server.listen();
  assert.match(url, /^https:/);
  const read = (d: string, f: string) => readFileSync(join(d, f));
  const client = { ca: read(live, 'ca.pem'), cert: read(pki, 'client.pem'), key: read(pki, 'client-key.pem') };
  const ok = await get(`${url}/collections`, client);
  assert.equal(ok.status, 200, ok.body);
  assert.match(ok.body, /"collections"/);
  await assert.rejects(get(`${url}/collections`, { ca: client.ca }), 'no client certificate: handshake refused');
  await assert.rejects(get(`${url}/collections`, { ca: client.ca, cert: read(other, 'client.pem'), key: read(other, 'client-key.pem') }), 'a certificate from another CA is refused');

  // Renewal: new server certificate (same CA as before is not needed: the client trusts both).
  const renewed = join(dir, 'renewed');
  await generateDevCertificates(renewed, { hosts: ['localhost', '127.0.0.1'], days: 2, clientName: 'unused' });
  const before = ok.serial;
  const expected = new X509Certificate(read(renewed, 'server.pem')).serialNumber;
  copyFileSync(join(renewed, 'server-key.pem'), join(live, 'server-key.pem'));
  copyFileSync(join(renewed, 'server.pem'), join(live, 'server.pem'));
  const trustBoth = { ...client, ca: Buffer.concat([read(live, 'ca.pem'), read(renewed, 'ca.pem')]) };
  let serial = before;
  for (let i = 0; i < 100 && serial !== expected; i++) {
    await new Promise((r) => setTimeout(r, 100));
    serial = (await get(`${url}/collections`, trustBoth).catch(() => ({ serial: before }))).serial;
  }
  assert.equal(serial.toUpperCase(), expected.toUpperCase(), 'the renewed certificate is served without restart');
});

test('optional client auth: no certificate passes TLS (then the API key decides), an untrusted one is refused', async (t) => {
  const defer = deferrer(t);
  const dir = tempDir(defer, 'rv-tls-');
  await generateDevCertificates(join(dir, 'pki'), { hosts: ['localhost', '127.0.0.1'], days: 2, clientName: 'a' });
  await generateDevCertificates(join(dir, 'other'), { hosts: ['localhost'], days: 2, clientName: 'b' });
  const pki = (f: string) => readFileSync(join(dir, 'pki', f));
  const { server } = await startServer(t, {
    authDisabled: false, apiKey: 'tls-admin-key-0123456789',
    tls: { certFile: join(dir, 'pki', 'server.pem'), keyFile: join(dir, 'pki', 'server-key.pem'), caFile: join(dir, 'pki', 'ca.pem'), clientAuth: 'optional' },
  });
  const url = await server.listen();
  const noCert = await get(`${url}/collections`, { ca: pki('ca.pem') });
  assert.equal(noCert.status, 401, 'TLS passed; the missing API key is what refuses it');
  const foreign = await get(`${url}/collections`, { ca: pki('ca.pem'), cert: readFileSync(join(dir, 'other', 'client.pem')), key: readFileSync(join(dir, 'other', 'client-key.pem')) });
  assert.equal(foreign.status, 401);
  assert.match(foreign.body, /Client certificate not trusted/);
  const health = await get(`${url}/healthz`, { ca: pki('ca.pem') });
  assert.equal(health.status, 200);
});

test('certificate and key from the secrets provider (file secrets, 0600); a renewed certificate in the store is installed within a reload interval, past the provider cache', async (t) => {
  const defer = deferrer(t);
  const dir = tempDir(defer, 'rv-tls-');
  const pki = join(dir, 'pki');
  const renewed = join(dir, 'renewed');
  await generateDevCertificates(pki, { hosts: ['localhost', '127.0.0.1'], days: 2, clientName: 'a' });
  await generateDevCertificates(renewed, { hosts: ['localhost', '127.0.0.1'], days: 2, clientName: 'b' });
  const secretsDir = join(dir, 'secrets');
  mkdirSync(secretsDir, { mode: 0o700 });
  const putSecret = (name: string, from: string): void => {
    writeFileSync(join(secretsDir, `${name}.tmp`), readFileSync(from), { mode: 0o600 });
    renameSync(join(secretsDir, `${name}.tmp`), join(secretsDir, name));
  };
  putSecret('https_cert', join(pki, 'server.pem'));
  putSecret('https_key', join(pki, 'server-key.pem'));
  const secrets = new FileSecretProvider({ dir: secretsDir });
  const settings = { certSecret: 'https_cert', keySecret: 'https_key', readSecret: (name: string) => secrets.get(name), refreshSecrets: () => secrets.refresh(), clientAuth: 'none' as const };

  await assert.rejects(loadTlsMaterial({ ...settings, certFile: join(pki, 'server.pem') }), { code: 'RV_TLS_CONFIG', message: /tls.cert_file and tls.cert_secret are both set/ });
  await assert.rejects(loadTlsMaterial({ ...settings, keySecret: 'missing_key' }), { code: 'RV_TLS_CONFIG', message: /tls.key_secret: cannot read secret "missing_key"/ });

  const { server } = await startServer(t, { tls: { ...settings, reloadIntervalSeconds: 1 } });
  const url = await server.listen();
  const trustBoth = { ca: Buffer.concat([readFileSync(join(pki, 'ca.pem')), readFileSync(join(renewed, 'ca.pem'))]) };
  const first = await get(`${url}/collections`, trustBoth);
  assert.equal(first.status, 200, first.body);
  assert.equal(first.serial.toUpperCase(), new X509Certificate(readFileSync(join(pki, 'server.pem'))).serialNumber.toUpperCase());

  // Rotation: new values in the secret store. The provider caches values for 5 minutes; the
  // reload check re-reads them past the cache, so the new certificate shows within seconds.
  putSecret('https_key', join(renewed, 'server-key.pem'));
  putSecret('https_cert', join(renewed, 'server.pem'));
  const expected = new X509Certificate(readFileSync(join(renewed, 'server.pem'))).serialNumber.toUpperCase();
  let serial = first.serial.toUpperCase();
  for (let i = 0; i < 100 && serial !== expected; i++) {
    await new Promise((r) => setTimeout(r, 100));
    serial = (await get(`${url}/collections`, trustBoth)).serial.toUpperCase();
  }
  assert.equal(serial, expected, 'the renewed certificate from the secrets provider is served without restart');
});
