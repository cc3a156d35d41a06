/**
 * `npm run bench:auth` — what authentication and authorization cost per request. Not a test:
 * it prints figures. In process, no HTTP: each credential kind is authenticated and the
 * decision for one collection route taken, N times, after one warm-up (so a stored key's
 * scrypt runs once, as on a server, where a key that verified is remembered by its digest).
 *
 *   npm run bench:auth                 20,000 rounds per credential kind
 *   npm run bench:auth -- --rounds 5000
 */
import { parseArgs } from 'node:util';
import { SignJWT, exportSPKI, generateKeyPair } from 'jose';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createSecurityContext } from '../src/security/security-context.js';

const { values } = parseArgs({ options: { rounds: { type: 'string', default: '20000' } } });
const rounds = Number(values.rounds);
const dir = mkdtempSync(join(tmpdir(), 'rv-auth-bench-'));
const HS = 'bench-shared-secret-of-32-bytes-or-more!';
try {
  const rsa = await generateKeyPair('RS256');
  const ed = await generateKeyPair('EdDSA');
  writeFileSync(join(dir, 'rsa.pem'), await exportSPKI(rsa.publicKey));
  writeFileSync(join(dir, 'ed.pem'), await exportSPKI(ed.publicKey));
  writeFileSync(join(dir, 'issuers.json'), JSON.stringify({ issuers: [
    { issuer: 'hs', algorithms: ['HS256'], secret_env: 'BENCH_HS' },
    { issuer: 'rs', algorithms: ['RS256'], public_key_file: join(dir, 'rsa.pem') },
    { issuer: 'ed', algorithms: ['EdDSA'], public_key_file: join(dir, 'ed.pem') },
  ] }));
  const security = await createSecurityContext({ apiKey: 'bench-static-key-0123456789', jwtIssuersFile: join(dir, 'issuers.json'), jwt: { env: { BENCH_HS: HS } } });
  const stored = await security.keyStore.create({ name: 'bench', roles: ['writer'], collections: ['docs*'] });
  const token = (key: Parameters<SignJWT['sign']>[0], alg: string, iss: string) =>
    new SignJWT({ roles: ['writer'] }).setProtectedHeader({ alg }).setIssuer(iss).setSubject('bench').setExpirationTime('1h').sign(key);
  const credentials: [string, string][] = [
    ['static api_key', 'bench-static-key-0123456789'],
    ['stored key (rvk_, cached after first scrypt)', stored.key],
    ['JWT HS256', await token(new TextEncoder().encode(HS), 'HS256', 'hs')],
    ['JWT RS256', await token(rsa.privateKey, 'RS256', 'rs')],
    ['JWT EdDSA', await token(ed.privateKey, 'EdDSA', 'ed')],
  ];
  console.log(`auth + RBAC decision per request, ${rounds} rounds each (node ${process.version})`);
  for (const [label, credential] of credentials) {
    await security.authenticator.authenticate(credential); // warm-up (scrypt for the stored key)
    const started = process.hrtime.bigint();
    for (let i = 0; i < rounds; i++) {
      const principal = await security.authenticator.authenticate(credential);
      security.authorizer.authorize(principal, 'collection:write', { kind: 'named', name: 'docs-1' });
    }
    const micros = Number(process.hrtime.bigint() - started) / 1000 / rounds;
    console.log(`  ${label.padEnd(46)} ${micros.toFixed(1).padStart(7)} µs/request  ${Math.round(1e6 / micros).toLocaleString('en-US').padStart(9)} /s on one core`);
  }
  // A token seen for the first time pays the signature check: one distinct token per round.
  const firstSightRounds = Math.min(rounds, 2000);
  console.log(`first sight of a JWT (signature verified, not cached), ${firstSightRounds} distinct tokens each`);
  const signers: [string, Parameters<SignJWT['sign']>[0], string, string][] = [
    ['JWT HS256', new TextEncoder().encode(HS), 'HS256', 'hs'],
    ['JWT RS256', rsa.privateKey, 'RS256', 'rs'],
    ['JWT EdDSA', ed.privateKey, 'EdDSA', 'ed'],
  ];
  for (const [label, key, alg, iss] of signers) {
    const tokens: string[] = [];
    for (let i = 0; i < firstSightRounds; i++) {
      tokens.push(await new SignJWT({ roles: ['writer'] }).setProtectedHeader({ alg }).setIssuer(iss)
        .setSubject(`bench-${i}`).setJti(`jti-${i}`).setExpirationTime('1h').sign(key));
    }
    const started = process.hrtime.bigint();
    for (const credential of tokens) {
      const principal = await security.authenticator.authenticate(credential);
      security.authorizer.authorize(principal, 'collection:write', { kind: 'named', name: 'docs-1' });
    }
    const micros = Number(process.hrtime.bigint() - started) / 1000 / firstSightRounds;
    console.log(`  ${label.padEnd(46)} ${micros.toFixed(1).padStart(7)} µs/request  ${Math.round(1e6 / micros).toLocaleString('en-US').padStart(9)} /s on one core`);
  }
} finally {
  rmSync(dir, { recursive: true, force: true });
}
