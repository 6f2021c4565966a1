/**
 * No one let in: the daemon's private folder, credentials at rest and in every output channel,
 * Authorization on redirects to storage (a real redirector in front of basic- and token-auth
 * distributions), TLS and plain HTTP, token realms on other hosts, upload sessions pointing
 * elsewhere, and presigned URLs in the debug log. (daemon.test.ts covers the socket modes and a
 * folder open to others; auth.test.ts TLS verification and the 0600 config of a login.)
 */
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { chmod, chown, mkdir, mkdtemp, readFile, rm, stat, symlink, writeFile } from 'node:fs/promises';
import * as http from 'node:http';
import * as net from 'node:net';
import { networkInterfaces, tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import type { OrasdClient, OrasdRequestError } from '../../clients/typescript/client';
import { ErrorCodes } from '../../protocol/errors';
import { MAIN } from '../support/daemon';
import { startFaultProxy } from '../registries/fault-proxy';
import { getSharedRegistries, startDistribution, type RunningRegistry } from '../registries/harness';
import { startRedirector } from '../registries/redirector';
import { TEST_TIMEOUT_MS, recordFigures } from './support/figures';
import { failure, startQuickDaemon, type ReliabilityDaemon } from './support/daemon';

let daemon: ReliabilityDaemon;
let c: OrasdClient;
let ws: string;
const USER = { username: 'orasd-user', password: 'orasd-pass' };
const figures = { checks: 0, authorizationLeaks: 0, secretsInLogs: 0, secretsInErrors: 0, refusedFolders: 0 };

before(async () => {
  daemon = await startQuickDaemon();
  c = await daemon.client();
  ws = await mkdtemp(join(tmpdir(), 'orasd-rel-sec-'));
  await writeFile(join(ws, 'a.txt'), randomBytes(64 * 1024));
});

after(async () => {
  recordFigures('security', 'test/reliability/security.test.ts', figures);
  await daemon.stop();
  await rm(ws, { recursive: true, force: true });
  await rm(daemon.tmp, { recursive: true, force: true });
});

/** The first address of this machine that is not loopback: a registry there is not "local". */
function outsideAddress(): string | undefined {
  for (const list of Object.values(networkInterfaces())) for (const a of list ?? []) if (a.family === 'IPv4' && !a.internal) return a.address;
  return undefined;
}

function serve(folder: string): Promise<{ code: number | null; stderr: string }> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, [MAIN, 'serve', '--socket', join(folder, 's.sock')], { stdio: ['ignore', 'ignore', 'pipe'] });
    let stderr = '';
    child.stderr.on('data', (d) => (stderr += d));
    const t = setTimeout(() => child.kill('SIGKILL'), 10_000);
    child.once('exit', (code) => {
      clearTimeout(t);
      resolve({ code, stderr });
    });
  });
}

describe('the private folder', () => {
  test('a folder owned by someone else, a symlinked folder, or one others can enter is refused', { timeout: TEST_TIMEOUT_MS }, async () => {
    const owned = await mkdtemp(join(tmpdir(), 'orasd-rel-owned-'));
    await chmod(owned, 0o700);
    await chown(owned, 65534, 65534); // nobody
    const real = await mkdtemp(join(tmpdir(), 'orasd-rel-real-'));
    const linked = `${real}-link`;
    await symlink(real, linked);
    const traversable = await mkdtemp(join(tmpdir(), 'orasd-rel-711-'));
    await chmod(traversable, 0o711);
    for (const [folder, why] of [
      [owned, /belongs to uid 65534/],
      [linked, /not a directory|symlink/],
      [traversable, /accessible to other users/],
    ] as const) {
      const r = await serve(folder);
      assert.notEqual(r.code, 0, `${folder} was accepted`);
      assert.match(r.stderr, why);
      figures.refusedFolders++;
    }
    await rm(owned, { recursive: true });
    await rm(real, { recursive: true });
    await rm(linked);
    await rm(traversable, { recursive: true });
  });

  test('the socket is 0600 and the temp-file journal it keeps is 0600 too', { timeout: TEST_TIMEOUT_MS }, async () => {
    assert.equal((await stat(daemon.socketPath)).mode & 0o777, 0o600);
    assert.equal((await stat(daemon.dir)).mode & 0o777, 0o700);
    const out = join(ws, 'journal-out');
    await c.push({ reference: `${(await getSharedRegistries()).distribution.host}/rel/sec/journal:v1`, cwd: ws, files: [{ path: 'a.txt' }] });
    await c.pull({ reference: `${(await getSharedRegistries()).distribution.host}/rel/sec/journal:v1`, output: out });
    const journal = join(daemon.dir, `temps-${daemon.proc.pid}.journal`);
    assert.equal((await stat(journal)).mode & 0o777, 0o600);
    figures.checks += 3;
  });
});

for (const kind of ['basic', 'token'] as const) {
  describe(`${kind} auth: credentials stay with the registry`, () => {
    let reg: RunningRegistry;
    before(async () => {
      reg = await startDistribution({ auth: kind });
    });
    after(() => reg.stop());

    test('a blob redirect to storage on another origin carries no Authorization; the signature is not logged', { timeout: TEST_TIMEOUT_MS }, async () => {
      const front = await startRedirector(reg.url);
      try {
        const ref = `${front.host}/rel/sec/redirect-${kind}:v1`;
        await c.push({ reference: ref, cwd: ws, files: [{ path: 'a.txt' }], ...USER });
        const out = join(ws, `redirected-${kind}`);
        await c.pull({ reference: ref, output: out, ...USER });
        assert.deepEqual(await readFile(join(out, 'a.txt')), await readFile(join(ws, 'a.txt')));
        const digest = (await c.resolve({ reference: ref, ...USER })).digest;
        const blob = JSON.parse((await c.call('manifest/fetch', { reference: ref, ...USER })).content!).layers[0].digest as string;
        await mkdir(join(ws, 'blob-out'), { recursive: true });
        await c.call('blob/fetch', { reference: `${front.host}/rel/sec/redirect-${kind}@${blob}`, output: join(ws, 'blob-out', kind), ...USER });
        assert.ok(digest);
        assert.ok(front.redirects >= 2, 'the pull and the fetch were redirected');
        const leaked = front.storage.requests.filter((r) => r.authorization !== undefined || r.cookie !== undefined);
        figures.authorizationLeaks += leaked.length;
        figures.checks += front.storage.requests.length;
        assert.ok(front.storage.requests.length >= 2);
        assert.deepEqual(leaked, [], 'Authorization reached the storage origin');
        const log = await daemon.log();
        assert.ok(log.includes('"msg":"http"'), 'the debug log records requests');
        const signatureLogged = log.includes(front.storage.signature);
        if (signatureLogged) figures.secretsInLogs++;
        assert.ok(!signatureLogged, 'a presigned URL signature reached the log');
      } finally {
        await front.stop();
      }
    });

    test('login stores credentials 0600 in a 0700 folder, also over a config that was readable by others', { timeout: TEST_TIMEOUT_MS }, async () => {
      const fresh = join(ws, `cfg-${kind}-${randomBytes(3).toString('hex')}`, 'nested', 'config.json');
      await c.call('login', { registry: reg.host, ...USER, registryConfig: fresh });
      assert.equal((await stat(fresh)).mode & 0o777, 0o600);
      assert.equal((await stat(join(fresh, '..'))).mode & 0o777, 0o700);
      const loose = join(ws, `loose-${kind}.json`);
      await writeFile(loose, '{"auths":{}}', { mode: 0o644 });
      await chmod(loose, 0o644);
      await c.call('login', { registry: reg.host, ...USER, registryConfig: loose });
      assert.equal((await stat(loose)).mode & 0o777, 0o600, 'the stored credentials are readable by others');
      figures.checks += 3;
    });

    test('passwords, basic credentials and tokens never reach the log, an error or status', { timeout: TEST_TIMEOUT_MS }, async () => {
      const base64 = Buffer.from(`${USER.username}:${USER.password}`).toString('base64');
      const ref = `${reg.host}/rel/sec/secrets-${kind}:v1`;
      await c.push({ reference: ref, cwd: ws, files: [{ path: 'a.txt' }], ...USER });
      const wrong = await failure(c.resolve({ reference: ref, username: USER.username, password: 'Wr0ng-s3cret' }));
      assert.equal(wrong.code, ErrorCodes.Unauthorized);
      // A hostile registry echoes what it was sent, Authorization included, in its error.
      const echo = await startFaultProxy(reg.url);
      // Only requests that carry credentials are answered so: the first, anonymous ones meet the real challenge.
      const authed = (q: http.IncomingMessage) => q.headers.authorization !== undefined;
      echo.addRule({ method: 'HEAD', when: authed, fault: { kind: 'status', status: 403, body: (q) => JSON.stringify({ errors: [{ code: 'DENIED', message: `you sent ${q.headers.authorization}`, detail: { authorization: q.headers.authorization } }] }) } });
      echo.addRule({ method: 'GET', path: /\/manifests\//, when: authed, fault: { kind: 'status', status: 400, body: (q) => JSON.stringify({ errors: [{ code: 'MANIFEST_INVALID', message: `bad, and by the way: ${q.headers.authorization}`, detail: { echo: q.headers.authorization } }] }) } });
      echo.addRule({ method: 'GET', path: /\/tags\/list$/, when: authed, fault: { kind: 'status', status: 401, headers: { 'www-authenticate': 'Basic realm="x"' }, body: (q) => JSON.stringify({ errors: [{ code: 'UNAUTHORIZED', message: `rejected ${q.headers.authorization}` }] }) } });
      const errors: OrasdRequestError[] = [];
      try {
        errors.push(await failure(c.resolve({ reference: `${echo.host}/rel/sec/secrets-${kind}:v1`, ...USER })));
        errors.push(await failure(c.call('manifest/fetch', { reference: `${echo.host}/rel/sec/secrets-${kind}@sha256:${'1'.repeat(64)}`, ...USER })));
        errors.push(await failure(c.call('repo/tags', { reference: `${echo.host}/rel/sec/secrets-${kind}`, ...USER })));
        assert.ok(echo.injected.status! >= 2, 'the echoing answers were given');
      } finally {
        await echo.stop();
      }
      const s = JSON.stringify(await c.status());
      const log = await daemon.log();
      const secrets = [USER.password, base64, 'Wr0ng-s3cret', Buffer.from(`${USER.username}:Wr0ng-s3cret`).toString('base64')];
      for (const [where, text] of [
        ['status', s],
        ['log', log],
        ...[wrong, ...errors].map((e) => ['error', `${e.message} ${JSON.stringify(e.data)}`] as const),
      ] as const) {
        for (const secret of secrets) {
          const found = text.includes(secret);
          if (found) figures[where === 'log' ? 'secretsInLogs' : 'secretsInErrors']++;
          assert.ok(!found, `a credential appeared in ${where}: ${text.slice(0, 300)}`);
        }
        assert.ok(!/Bearer [A-Za-z0-9_.-]{20}/.test(text) && !/eyJ[A-Za-z0-9_-]{20}/.test(text), `a token appeared in ${where}`);
        figures.checks++;
      }
    });
  });
}

describe('where plain HTTP and credentials may go', () => {
  const outside = outsideAddress();

  test('a registry off this machine is spoken to over TLS unless plainHttp is asked for', { skip: !outside && 'no non-loopback address' }, async () => {
    const dist = (await getSharedRegistries()).distribution;
    const front = await startFaultProxy(dist.url, { listenHost: outside! });
    try {
      const ref = `${front.host}/rel/sec/plain:v1`;
      const tls = await failure(c.push({ reference: ref, cwd: ws, files: [{ path: 'a.txt' }] }));
      assert.equal(tls.code, ErrorCodes.RegistryUnreachable, tls.message);
      assert.match(`${tls.message} ${tls.data?.hint}`, /plain HTTP|plainHttp/i);
      await c.push({ reference: ref, cwd: ws, files: [{ path: 'a.txt' }], plainHttp: true });
      assert.match((await c.resolve({ reference: ref, plainHttp: true })).digest, /^sha256:/);
      figures.checks += 2;
    } finally {
      await front.stop();
    }
  });

  test('a token realm on another host is followed only over HTTPS', { skip: !outside && 'no non-loopback address' }, async () => {
    // Plain HTTP: the registry (reached off-machine) names a realm on 127.0.0.1 — credentials must not go.
    const plain = await startDistribution({ auth: 'token' });
    const front = await startFaultProxy(plain.url, { listenHost: outside! });
    try {
      await plain.auth!.tokenServer!.resetStats();
      const e = await failure(c.resolve({ reference: `${front.host}/rel/sec/realm:v1`, plainHttp: true, ...USER }));
      assert.equal(e.code, ErrorCodes.Unauthorized, e.message);
      assert.match(e.message, /plain-HTTP token realm on another host/);
      assert.equal(await plain.auth!.tokenServer!.tokenRequests(), 0, 'the credentials went to the realm');
      figures.checks++;
    } finally {
      await front.stop();
      await plain.stop();
    }
    // HTTPS: the same shape with TLS end to end (a TCP relay off-machine) is followed.
    const secure = await startDistribution({ auth: 'token', tls: true });
    const relay = net.createServer((s) => {
      const u = net.connect(Number(new URL(secure.url).port), '127.0.0.1');
      s.pipe(u).pipe(s);
      s.on('error', () => u.destroy());
      u.on('error', () => s.destroy());
    });
    await new Promise<void>((r) => relay.listen(0, outside!, () => r()));
    try {
      const host = `${outside}:${(relay.address() as net.AddressInfo).port}`;
      const ref = `${host}/rel/sec/realm-tls:v1`;
      // The test CA names 127.0.0.1, not this address: insecure skips the name check, not the realm rule.
      await c.push({ reference: ref, cwd: ws, files: [{ path: 'a.txt' }], insecure: true, ...USER });
      assert.ok((await secure.auth!.tokenServer!.tokenRequests()) > 0);
      figures.checks++;
    } finally {
      relay.close();
      await secure.stop();
    }
  });

  test('a loopback registry cannot send credentials to a plain-HTTP token realm off this machine', async () => {
    // Where the realm points: a name that never resolves, and (when this machine has one) a
    // listener on a non-loopback address that counts every connection it gets.
    let realmConnections = 0;
    const realmListener = outside ? net.createServer((s) => { realmConnections++; s.destroy(); }) : undefined;
    if (realmListener) await new Promise<void>((r) => realmListener.listen(0, outside, () => r()));
    const realms = ['http://registry.example.invalid/token'];
    if (realmListener) realms.push(`http://${outside}:${(realmListener.address() as net.AddressInfo).port}/token`);
    const authorizations: string[] = [];
    // One hostile registry per realm: the daemon remembers the realm an origin named.
    const hostile = (realm: string) => http.createServer((q, r) => {
      if (q.headers.authorization) authorizations.push(q.headers.authorization);
      q.resume();
      r.writeHead(401, { 'www-authenticate': `Bearer realm="${realm}",service="hostile"`, 'content-type': 'application/json' });
      r.end(JSON.stringify({ errors: [{ code: 'UNAUTHORIZED', message: 'authentication required' }] }));
    });
    try {
      for (const realm of realms) {
        const registry = hostile(realm);
        await new Promise<void>((r) => registry.listen(0, '127.0.0.1', () => r()));
        const host = `127.0.0.1:${(registry.address() as net.AddressInfo).port}`;
        try {
          for (const creds of [USER, { identityToken: 'refresh-token-secret' }]) {
            const e = await failure(c.resolve({ reference: `${host}/rel/sec/realm-out-${randomBytes(3).toString('hex')}:v1`, ...creds }));
            assert.equal(e.code, ErrorCodes.Unauthorized, e.message);
            assert.ok(e.message.includes(realm), `the error names the realm ${realm}: ${e.message}`);
            assert.match(e.data?.hint ?? '', /HTTPS/);
            figures.checks++;
          }
        } finally {
          registry.close();
        }
      }
      figures.authorizationLeaks += authorizations.length + realmConnections;
      assert.deepEqual(authorizations, [], 'the registry itself was sent credentials');
      assert.equal(realmConnections, 0, 'the plain-HTTP realm off this machine was contacted');
    } finally {
      realmListener?.close();
    }
  });

  for (const [where, host] of [
    ['another host', '127.0.0.2'],
    ['the same host on another port', '127.0.0.1'],
  ] as const) {
    test(`an upload session on ${where} gets no content and no credentials`, async () => {
      const reg = await startDistribution({ auth: 'basic' });
      const front = await startFaultProxy(reg.url);
      const seen: Array<{ method?: string; authorization?: string }> = [];
      const elsewhere = http.createServer((q, r) => {
        seen.push({ method: q.method, ...(q.headers.authorization ? { authorization: q.headers.authorization } : {}) });
        q.resume();
        r.writeHead(201).end();
      });
      await new Promise<void>((r) => elsewhere.listen(0, host, () => r()));
      const other = `http://${host}:${(elsewhere.address() as net.AddressInfo).port}`;
      front.addRule({ method: 'POST', path: /\/blobs\/uploads\/$/, fault: { kind: 'rewrite', headers: (h) => ({ ...h, location: `${other}/v2/upload/session?_state=x` }) } });
      try {
        const e = await failure(c.push({ reference: `${front.host}/rel/sec/upload-${randomBytes(3).toString('hex')}:v1`, cwd: ws, files: [{ path: 'a.txt' }], ...USER }));
        figures.authorizationLeaks += seen.filter((x) => x.authorization).length;
        assert.deepEqual(seen, [], 'the other origin was sent the upload');
        assert.equal(e.code, ErrorCodes.RegistryError, e.message);
        assert.match(e.message, /refusing to send content there/);
        figures.checks++;
      } finally {
        elsewhere.close();
        await front.stop();
        await reg.stop();
      }
    });
  }
});
