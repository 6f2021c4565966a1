// A throwaway CA and a server certificate for 127.0.0.1, ::1 and localhost,
// made with the openssl CLI, so TLS tests exercise real certificate checks
// (clients trust caFile; nothing is added to the system trust store).
import { execFile } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { promisify } from 'node:util';

const run = promisify(execFile);

export interface TlsFiles {
  dir: string;
  caFile: string;
  certFile: string;
  keyFile: string;
}

/** Creates the files in `dir` (a new temp dir if omitted); the caller removes it. */
export async function makeTlsFiles(dir?: string): Promise<TlsFiles> {
  const d = dir ?? fs.mkdtempSync(path.join(os.tmpdir(), 'orasd-tls-'));
  fs.mkdirSync(d, { recursive: true });
  const f = (n: string) => path.join(d, n);
  const ec = ['-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-nodes'];
  const openssl = (args: string[]) =>
    run('openssl', args).catch((e: Error & { stderr?: string }) => {
      throw new Error(`openssl ${args[0]} failed: ${e.stderr ?? e.message}`);
    });

  await openssl(['req', '-x509', ...ec, '-keyout', f('ca.key'), '-out', f('ca.pem'), '-days', '7',
    '-subj', '/CN=orasd test CA',
    '-addext', 'basicConstraints=critical,CA:TRUE',
    '-addext', 'keyUsage=critical,keyCertSign,cRLSign']);
  await openssl(['req', ...ec, '-keyout', f('server.key'), '-out', f('server.csr'), '-subj', '/CN=127.0.0.1']);
  fs.writeFileSync(f('server.ext'), [
    'basicConstraints=CA:FALSE',
    'keyUsage=critical,digitalSignature,keyEncipherment',
    'extendedKeyUsage=serverAuth',
    'subjectAltName=IP:127.0.0.1,IP:::1,DNS:localhost',
  ].join('\n') + '\n');
  await openssl(['x509', '-req', '-in', f('server.csr'), '-CA', f('ca.pem'), '-CAkey', f('ca.key'),
    '-set_serial', '0x' + Date.now().toString(16), '-days', '7', '-extfile', f('server.ext'), '-out', f('server.pem')]);
  return { dir: d, caFile: f('ca.pem'), certFile: f('server.pem'), keyFile: f('server.key') };
}
