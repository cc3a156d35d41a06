/**
 * Test certificates made with the openssl CLI at test time: a CA, a NATS server certificate
 * usable for both serverAuth and clientAuth (NATS routes verify each other's certificate as a
 * client certificate) and a client certificate. Files: ca.pem, server.pem, server-key.pem,
 * client.pem, client-key.pem (EC P-256, valid one day).
 */
import { execFile } from 'node:child_process';
import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { promisify } from 'node:util';

const run = promisify(execFile);

export async function generateTestPki(dir: string, clientName = 'client'): Promise<void> {
  await mkdir(dir, { recursive: true });
  const p = (name: string): string => join(dir, name);
  const ec = ['-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-nodes'];
  await run('openssl', ['req', '-x509', ...ec, '-keyout', p('ca-key.pem'), '-out', p('ca.pem'), '-days', '1', '-subj', '/CN=ruvector-test-ca']);
  const issue = async (name: string, cn: string, extensions: string): Promise<void> => {
    await writeFile(p(`${name}.ext`), extensions);
    await run('openssl', ['req', ...ec, '-keyout', p(`${name}-key.pem`), '-out', p(`${name}.csr`), '-subj', `/CN=${cn}`]);
    await run('openssl', ['x509', '-req', '-in', p(`${name}.csr`), '-CA', p('ca.pem'), '-CAkey', p('ca-key.pem'), '-CAcreateserial', '-out', p(`${name}.pem`), '-days', '1', '-extfile', p(`${name}.ext`)]);
  };
  await issue('server', 'localhost', 'subjectAltName=DNS:localhost,IP:127.0.0.1\nextendedKeyUsage=serverAuth,clientAuth\nkeyUsage=critical,digitalSignature');
  await issue('client', clientName, 'extendedKeyUsage=clientAuth\nkeyUsage=critical,digitalSignature');
}
