/** Basic and bearer auth, login/logout and TLS, through the daemon against real registries. */
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { mkdtemp, readFile, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { OrasdRequestError } from '../clients/typescript/client';
import { ErrorCodes } from '../protocol/errors';
import { ensureTools, oras, startDistribution, type RunningRegistry, type Tools } from './registries/harness';
import { startDaemon, type TestDaemon } from './support/daemon';

let daemon: TestDaemon;
let tools: Tools;
let ws: string;

before(async () => {
  [tools, daemon] = await Promise.all([ensureTools(), startDaemon()]);
  ws = await mkdtemp(join(tmpdir(), 'orasd-auth-'));
  await writeFile(join(ws, 'a.txt'), 'auth test');
});
after(async () => {
  await daemon.stop();
  await rm(ws, { recursive: true, force: true });
});

async function code(p: Promise<unknown>): Promise<OrasdRequestError> {
  try {
    await p;
  } catch (e) {
    if (e instanceof OrasdRequestError) return e;
    throw e;
  }
  assert.fail('expected an error');
}

for (const kind of ['basic', 'token'] as const) {
  describe(`${kind} auth`, () => {
    let reg: RunningRegistry;
    before(async () => {
      reg = await startDistribution({ auth: kind });
    });
    after(() => reg.stop());

    test('credentials per request work; none or a wrong password give UNAUTHORIZED with a hint', async () => {
      const c = await daemon.client();
      const { username, password } = reg.auth!.users[0]!;
      const ref = `${reg.host}/auth/${kind}-${randomBytes(3).toString('hex')}:v1`;
      const pushed = await c.push({ reference: ref, cwd: ws, files: [{ path: 'a.txt' }], username, password });
      assert.match(pushed.digest, /^sha256:/);
      const anon = await code(c.resolve({ reference: ref }));
      assert.equal(anon.code, ErrorCodes.Unauthorized);
      assert.match(anon.data?.hint ?? '', /login/);
      assert.equal(anon.data?.registry, reg.host);
      const wrong = await code(c.resolve({ reference: ref, username, password: 'wrong-password' }));
      assert.equal(wrong.code, ErrorCodes.Unauthorized);
      assert.ok(!wrong.message.includes('wrong-password'));
    });

    test('login stores docker-compatible credentials (0600) that oras reads, logout erases them', async () => {
      const c = await daemon.client();
      const { username, password } = reg.auth!.users[0]!;
      const cfgDir = await mkdtemp(join(tmpdir(), 'orasd-dockercfg-'));
      const registryConfig = join(cfgDir, 'config.json');
      await writeFile(registryConfig, JSON.stringify({ credsStore: '', auths: {}, psFormat: 'keep-me' }));
      const bad = await code(c.call('login', { registry: reg.host, username, password: 'nope', registryConfig }));
      assert.equal(bad.code, ErrorCodes.Unauthorized);
      await c.call('login', { registry: reg.host, username, password, registryConfig });
      const saved = JSON.parse(await readFile(registryConfig, 'utf8'));
      assert.equal(saved.psFormat, 'keep-me');
      assert.equal(Buffer.from(saved.auths[reg.host].auth, 'base64').toString(), `${username}:${password}`);
      assert.equal((await stat(registryConfig)).mode & 0o777, 0o600);
      const ref = `${reg.host}/auth/login-${kind}:v1`;
      await c.push({ reference: ref, cwd: ws, files: [{ path: 'a.txt' }], registryConfig });
      const r = await oras(tools, ['resolve', '--plain-http', '--registry-config', registryConfig, ref]);
      assert.equal(r.code, 0, r.stderr);
      await c.call('logout', { registry: reg.host, registryConfig });
      assert.equal(JSON.parse(await readFile(registryConfig, 'utf8')).auths[reg.host], undefined);
      assert.equal((await code(c.call('logout', { registry: reg.host, registryConfig }))).code, ErrorCodes.NotLoggedIn);
      await rm(cfgDir, { recursive: true });
    });

    if (kind === 'token') {
      test('a token is fetched once and reused across calls and across clients', async () => {
        const { username, password } = reg.auth!.users[0]!;
        const ref = `${reg.host}/auth/shared-token:v1`;
        const first = await daemon.client();
        await first.push({ reference: ref, cwd: ws, files: [{ path: 'a.txt' }], username, password });
        const ts = reg.auth!.tokenServer!;
        await ts.resetStats();
        const others = await Promise.all([daemon.client(), daemon.client(), daemon.client()]);
        for (let round = 0; round < 5; round++) {
          await Promise.all(others.map((c) => c.call('manifest/fetch', { reference: ref, username, password, noCache: true })));
        }
        // The push's token carries pull,push; reads may need one pull-scoped token at most.
        assert.ok((await ts.tokenRequests()) <= 1, `token server saw ${await ts.tokenRequests()} requests`);
      });
    }
  });
}

describe('TLS', () => {
  let reg: RunningRegistry;
  before(async () => {
    reg = await startDistribution({ tls: true });
  });
  after(() => reg.stop());

  test('verified by default; caFile trusts the test CA; insecure skips verification', async () => {
    const c = await daemon.client();
    const ref = `${reg.host}/tls/x:v1`;
    const untrusted = await code(c.resolve({ reference: ref }));
    assert.equal(untrusted.code, ErrorCodes.RegistryUnreachable);
    assert.match(`${untrusted.message} ${untrusted.data?.hint ?? ''}`, /caFile|certificate|TLS/i);
    await c.push({ reference: ref, cwd: ws, files: [{ path: 'a.txt' }], caFile: reg.tls!.caFile });
    assert.match((await c.resolve({ reference: ref, insecure: true })).digest, /^sha256:/);
    const r = await oras(tools, ['pull', '--ca-file', reg.tls!.caFile, '-o', join(ws, 'from-tls'), ref]);
    assert.equal(r.code, 0, r.stderr);
    assert.equal(await readFile(join(ws, 'from-tls', 'a.txt'), 'utf8'), 'auth test');
  });
});
