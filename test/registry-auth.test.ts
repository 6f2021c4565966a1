// Auth, TLS and credentials of the registry target against real registries: distribution with
// htpasswd (Basic) and with the bearer token server, TLS with a throwaway CA, docker config files
// and a docker-credential helper.
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as net from 'node:net';
import * as os from 'node:os';
import * as path from 'node:path';
import * as tls from 'node:tls';
import { after, before, describe, test } from 'node:test';
import { ErrorCodes, OrasdError } from '../src/errors';
import type { Registries } from '../src/targets/registry';
import { ensureTools, getSharedRegistries, httpRequest, oras, startDistribution, startRefRegistry, type RunningRegistry, type Tools } from './registries/harness';
import { makeArtifact, newRegistries, pushArtifact, readAll, uniqueRepo } from './support/registry-fixtures';

let tools: Tools;
let basicReg: RunningRegistry;
let tokenReg: RunningRegistry;
let tlsReg: RunningRegistry;
let work: string;
const USER = { username: 'orasd-user', password: 'orasd-pass' };
const SECRET_PASSWORD = 'wrong-but-secret-pw';

before(async () => {
  tools = await ensureTools();
  [basicReg, tokenReg, tlsReg] = await Promise.all([startDistribution({ auth: 'basic' }), startDistribution({ auth: 'token' }), startDistribution({ tls: true })]);
  work = fs.mkdtempSync(path.join(os.tmpdir(), 'orasd-auth-'));
});
after(async () => {
  await Promise.all([basicReg.stop(), tokenReg.stop(), tlsReg.stop()]);
  fs.rmSync(work, { recursive: true, force: true });
});

function isCode(code: number, check?: (e: OrasdError) => void) {
  return (e: unknown) => {
    assert.ok(e instanceof OrasdError, String(e));
    assert.equal(e.code, code, e.message);
    check?.(e);
    return true;
  };
}

function noSecrets(e: OrasdError, ...secrets: string[]): void {
  const text = JSON.stringify({ message: e.message, data: e.data });
  for (const s of secrets) assert.ok(!text.includes(s), `error leaks a secret: ${text}`);
  assert.ok(!/Bearer |Basic [A-Za-z0-9+/=]{8}/.test(text), text);
}

async function withRegistries<T>(fn: (r: Registries) => Promise<T>): Promise<T> {
  const r = newRegistries();
  try {
    return await fn(r);
  } finally {
    await r.close();
  }
}

describe('basic auth', () => {
  test('anonymous and wrong passwords get Unauthorized with the login hint; nothing secret in the error', async () => {
    await withRegistries(async (regs) => {
      const repo = uniqueRepo('basic');
      await assert.rejects(
        regs.repository(basicReg.host, repo).resolve('v1'),
        isCode(ErrorCodes.Unauthorized, (e) => {
          assert.match(e.data.hint ?? '', /oras login 127\.0\.0\.1:\d+/);
          assert.equal(e.data.status, 401);
          assert.equal(e.data.registry, basicReg.host);
        }),
      );
      await assert.rejects(
        regs.repository(basicReg.host, repo, { username: USER.username, password: SECRET_PASSWORD }).resolve('v1'),
        isCode(ErrorCodes.Unauthorized, (e) => noSecrets(e, SECRET_PASSWORD, Buffer.from(`${USER.username}:${SECRET_PASSWORD}`).toString('base64'))),
      );
    });
  });

  test('with the right credentials: warm requests send Basic up front (one request each)', async () => {
    await withRegistries(async (regs) => {
      const t = regs.repository(basicReg.host, uniqueRepo('basic-ok'), USER);
      const a = makeArtifact();
      await pushArtifact(t, a, 'v1');
      const before = regs.stats().requests;
      for (let i = 0; i < 5; i++) await regs.repository(basicReg.host, t.repository, USER).resolve('v1', { noCache: true });
      assert.equal(regs.stats().requests - before, 5);
      assert.equal(regs.stats().tokenFetches, 0);
      // What an authorized caller fetched is not served from the caches to one without credentials.
      await t.fetchManifest(a.manifest.digest);
      const anon = regs.repository(basicReg.host, t.repository);
      await assert.rejects(anon.resolve('v1'), isCode(ErrorCodes.Unauthorized));
      await assert.rejects(anon.fetchManifest(a.manifest.digest), isCode(ErrorCodes.Unauthorized));
      await assert.rejects(anon.exists(a.layers[0]!.desc), isCode(ErrorCodes.Unauthorized));
    });
  });
});

describe('bearer tokens', () => {
  test('one token per scope set, shared by many calls and targets', async () => {
    await withRegistries(async (regs) => {
      const server = tokenReg.auth!.tokenServer!;
      const repo = uniqueRepo('token');
      const a = makeArtifact();
      await server.resetStats();
      await pushArtifact(regs.repository(tokenReg.host, repo, USER), a, 'v1');
      const afterPush = await server.tokenRequests();
      assert.equal(afterPush, 1, 'the push (pull,push scope) needs one token');
      await Promise.all(Array.from({ length: 30 }, () => regs.repository(tokenReg.host, repo, USER).resolve('v1', { noCache: true })));
      for (let i = 0; i < 10; i++) await regs.repository(tokenReg.host, repo, USER).fetchManifest('v1', { noCache: true });
      assert.equal(await server.tokenRequests(), 1, 'the pull,push token also serves the reads, whatever the number of calls');
      assert.equal(regs.stats().tokenFetches, 1);
      const stats = await server.stats();
      assert.ok(stats.recent.every((r) => r.method === 'GET' && r.user === USER.username));
      assert.deepEqual(stats.recent.map((r) => r.scopes.join(' ')), [`repository:${repo}:pull,push`]);
      // A reader that never pushed gets its own pull token, once.
      const other = uniqueRepo('token-read');
      await pushArtifact(regs.repository(tokenReg.host, other, USER), makeArtifact(), 'v1');
      await server.resetStats();
      const fresh = newRegistries();
      try {
        for (let i = 0; i < 5; i++) await fresh.repository(tokenReg.host, other, USER).resolve('v1', { noCache: true });
        assert.deepEqual((await server.stats()).recent.map((r) => r.scopes.join(' ')), [`repository:${other}:pull`]);
      } finally {
        await fresh.close();
      }
      // warm: one registry request per call, the Authorization header goes up front
      const before = regs.stats().requests;
      await regs.repository(tokenReg.host, repo, USER).resolve('v1', { noCache: true });
      assert.equal(regs.stats().requests - before, 1);
      assert.ok(regs.stats().tokens.entries >= 2);
    });
  });

  test('delete uses the delete scope; tags and referrers work through tokens', async () => {
    await withRegistries(async (regs) => {
      const repo = uniqueRepo('token-del');
      const t = regs.repository(tokenReg.host, repo, USER);
      const s = makeArtifact();
      await pushArtifact(t, s, 'v1');
      const r = makeArtifact({ subject: s.manifest, artifactType: 'application/vnd.test.sig' });
      await pushArtifact(t, r);
      assert.deepEqual((await t.referrers(s.manifest)).map((d) => d.digest), [r.manifest.digest]);
      assert.deepEqual(await t.tags(), ['sha256-' + s.manifest.digest.slice(7), 'v1'].sort());
      await tokenReg.auth!.tokenServer!.resetStats();
      await t.deleteManifest(r.manifest);
      const scopes = (await tokenReg.auth!.tokenServer!.stats()).recent.map((x) => x.scopes.join(' '));
      assert.ok(scopes.includes(`repository:${repo}:delete`), scopes.join(' | '));
      assert.deepEqual(await t.referrers(s.manifest), []);
    });
  });

  test('an identity token is exchanged with the OAuth2 refresh_token grant', async () => {
    const server = tokenReg.auth!.tokenServer!;
    const form = new URLSearchParams({ grant_type: 'password', username: USER.username, password: USER.password, service: 'orasd-test-registry', access_type: 'offline', client_id: 'test' });
    const got = await httpRequest(`${server.url}/token`, { method: 'POST', headers: { 'content-type': 'application/x-www-form-urlencoded' }, body: form.toString() });
    assert.equal(got.status, 200, got.text());
    const refresh = got.json<{ refresh_token: string }>().refresh_token;
    await withRegistries(async (regs) => {
      await server.resetStats();
      const t = regs.repository(tokenReg.host, uniqueRepo('idtoken'), { identityToken: refresh });
      await pushArtifact(t, makeArtifact(), 'v1');
      assert.equal((await t.tags())[0], 'v1');
      const recent = (await server.stats()).recent;
      assert.ok(recent.length >= 1);
      assert.ok(recent.every((r) => r.method === 'POST' && r.grantType === 'refresh_token' && r.status === 200), JSON.stringify(recent));
    });
  });

  test('bad credentials and anonymous access are Unauthorized with the hint', async () => {
    await withRegistries(async (regs) => {
      await assert.rejects(
        regs.repository(tokenReg.host, uniqueRepo('x'), { username: USER.username, password: SECRET_PASSWORD }).resolve('v1'),
        isCode(ErrorCodes.Unauthorized, (e) => {
          assert.match(e.data.hint ?? '', /oras login/);
          noSecrets(e, SECRET_PASSWORD);
        }),
      );
      await assert.rejects(regs.repository(tokenReg.host, uniqueRepo('x')).resolve('v1'), isCode(ErrorCodes.Unauthorized));
    });
  });
});

describe('TLS and reachability', () => {
  test('caFile trusts the registry; without it the error hints at caFile/insecure; insecure skips checks', async () => {
    await withRegistries(async (regs) => {
      const repo = uniqueRepo('tls');
      await pushArtifact(regs.repository(tlsReg.host, repo, { caFile: tlsReg.tls!.caFile }), makeArtifact(), 'v1');
      await assert.rejects(
        regs.repository(tlsReg.host, repo, { plainHttp: false }).resolve('v1', { noCache: true }),
        isCode(ErrorCodes.RegistryUnreachable, (e) => assert.match(e.data.hint ?? '', /caFile/)),
      );
      assert.ok((await regs.repository(tlsReg.host, repo, { insecure: true }).resolve('v1', { noCache: true })).digest);
      // loopback defaults to plain HTTP: talking HTTP to a TLS port is diagnosed
      await assert.rejects(
        regs.repository(tlsReg.host, repo).resolve('v1', { noCache: true }),
        isCode(ErrorCodes.RegistryUnreachable, (e) => assert.match(e.data.hint ?? '', /caFile|plainHttp/)),
      );
    });
  });

  test('with http2 offered, requests go over h2 where the registry picks it, HTTP/1.1 where not; off, always HTTP/1.1', async () => {
    const h2Reg = await startRefRegistry({ tls: true });
    const alpn = (reg: RunningRegistry) =>
      new Promise<string | false>((resolve, reject) => {
        const [host, port] = reg.host.split(':');
        const s = tls.connect({ host: host!, port: Number(port), ca: fs.readFileSync(reg.tls!.caFile), ALPNProtocols: ['h2', 'http/1.1'] }, () => {
          resolve(s.alpnProtocol ?? false);
          s.destroy();
        });
        s.once('error', reject);
      });
    try {
      assert.equal(await alpn(h2Reg), 'h2', 'ggcr over TLS speaks HTTP/2');
      for (const reg of [h2Reg, tlsReg]) {
        const picks = (await alpn(reg)) || 'http/1.1';
        for (const http2 of [true, false]) {
          const fresh = newRegistries({ http2 });
          try {
            const t = fresh.repository(reg.host, uniqueRepo('h2'), { caFile: reg.tls!.caFile });
            const a = makeArtifact();
            await pushArtifact(t, a, 'v1');
            assert.deepEqual((await t.fetchManifest('v1', { noCache: true })).bytes, a.bytes);
            assert.deepEqual(await readAll(await t.fetchBlob(a.layers[0]!.desc)), a.layers[0]!.data);
            assert.deepEqual(Object.keys(fresh.stats().connections), [http2 ? picks : 'http/1.1'], `${reg.kind}, http2 ${http2}`);
          } finally {
            await fresh.close();
          }
        }
      }
    } finally {
      await h2Reg.stop();
    }
  });

  test('HTTPS to a plain-HTTP registry suggests plainHttp; a closed port is RegistryUnreachable', async () => {
    const { distribution } = await getSharedRegistries();
    await withRegistries(async (regs) => {
      await assert.rejects(
        regs.repository(distribution.host, 'x/y', { plainHttp: false }).resolve('v1'),
        isCode(ErrorCodes.RegistryUnreachable, (e) => assert.match(e.data.hint ?? '', /plainHttp/)),
      );
      const port = await freePort();
      await assert.rejects(
        regs.repository(`127.0.0.1:${port}`, 'x/y').resolve('v1'),
        isCode(ErrorCodes.RegistryUnreachable, (e) => {
          assert.equal(e.data.registry, `127.0.0.1:${port}`);
          assert.match(e.message, new RegExp(`127\\.0\\.0\\.1:${port}`));
        }),
      );
    });
  });
});

function freePort(): Promise<number> {
  return new Promise((resolve) => {
    const s = net.createServer().listen(0, '127.0.0.1', () => {
      const port = (s.address() as net.AddressInfo).port;
      s.close(() => resolve(port));
    });
  });
}

describe('credentials: docker config and helpers', () => {
  test('login verifies, stores docker-compatibly (0600, other keys kept); requests and oras use it; logout', async () => {
    const dockerConfig = path.join(work, 'cfg-file');
    const env = { DOCKER_CONFIG: dockerConfig };
    fs.mkdirSync(dockerConfig, { recursive: true });
    const file = path.join(dockerConfig, 'config.json');
    fs.writeFileSync(file, JSON.stringify({ auths: { 'other.example:5000': { auth: 'eDp5' } }, psFormat: 'table', proxies: { default: {} } }));
    await withRegistries(async (regs) => {
      await assert.rejects(regs.login(tokenReg.host, { username: USER.username, password: SECRET_PASSWORD }, { env }), isCode(ErrorCodes.Unauthorized, (e) => noSecrets(e, SECRET_PASSWORD)));
      assert.equal(JSON.parse(fs.readFileSync(file, 'utf8')).auths[tokenReg.host], undefined);
      assert.deepEqual(await regs.login(tokenReg.host, USER, { env }), { store: `file:${file}` });
      const cfg = JSON.parse(fs.readFileSync(file, 'utf8'));
      assert.equal(cfg.psFormat, 'table');
      assert.deepEqual(cfg.proxies, { default: {} });
      assert.equal(cfg.auths['other.example:5000'].auth, 'eDp5');
      assert.equal(Buffer.from(cfg.auths[tokenReg.host].auth, 'base64').toString(), `${USER.username}:${USER.password}`);
      assert.equal(fs.statSync(file).mode & 0o777, 0o600);

      const repo = uniqueRepo('cfg');
      await pushArtifact(regs.repository(tokenReg.host, repo, { env }), makeArtifact(), 'v1');
      const pulled = await oras(tools, ['manifest', 'fetch', '--plain-http', `${tokenReg.host}/${repo}:v1`], { env });
      assert.equal(pulled.code, 0, pulled.stderr);

      assert.deepEqual(await regs.logout(tokenReg.host, { env }), { store: `file:${file}` });
      const after = JSON.parse(fs.readFileSync(file, 'utf8'));
      assert.equal(after.auths[tokenReg.host], undefined);
      assert.equal(after.auths['other.example:5000'].auth, 'eDp5');
      await assert.rejects(regs.logout(tokenReg.host, { env }), isCode(ErrorCodes.NotLoggedIn));
    });
    // a fresh daemon no longer finds credentials
    await withRegistries(async (regs) => {
      await assert.rejects(regs.repository(tokenReg.host, uniqueRepo('x'), { env }).resolve('v1'), isCode(ErrorCodes.Unauthorized));
    });
  });

  test('a config written by oras login is read; registryConfig points at any file; the folder is created', async () => {
    const dockerConfig = path.join(work, 'cfg-oras');
    const env = { DOCKER_CONFIG: dockerConfig };
    const login = await oras(tools, ['login', '--plain-http', '-u', USER.username, '--password-stdin', basicReg.host], { env, input: USER.password });
    assert.equal(login.code, 0, login.stderr);
    await withRegistries(async (regs) => {
      const repo = uniqueRepo('oras-cfg');
      await pushArtifact(regs.repository(basicReg.host, repo, { env }), makeArtifact(), 'v1');
      await pushArtifact(regs.repository(basicReg.host, repo, { registryConfig: path.join(dockerConfig, 'config.json') }), makeArtifact(), 'v2');
      const elsewhere = path.join(work, 'new-dir', 'deeper', 'my-config.json');
      assert.deepEqual(await regs.login(basicReg.host, USER, { registryConfig: elsewhere }), { store: `file:${elsewhere}` });
      assert.ok(fs.existsSync(elsewhere));
    });
  });

  test('a docker-credential helper stores, serves and erases credentials', async () => {
    const bin = path.join(work, 'helper-bin');
    fs.mkdirSync(bin, { recursive: true });
    const helper = path.join(bin, 'docker-credential-orasdtest');
    fs.writeFileSync(
      helper,
      `#!${process.execPath}
const fs = require('fs'), path = require('path');
const store = path.join(__dirname, 'store.json'), log = path.join(__dirname, 'calls.log');
const db = fs.existsSync(store) ? JSON.parse(fs.readFileSync(store, 'utf8')) : {};
let input = '';
process.stdin.on('data', (d) => (input += d)).on('end', () => {
  const action = process.argv[2];
  fs.appendFileSync(log, action + '\\n');
  if (action === 'store') { const j = JSON.parse(input); db[j.ServerURL] = j; fs.writeFileSync(store, JSON.stringify(db)); return; }
  const server = input.trim();
  if (!db[server]) { process.stdout.write('credentials not found in native keychain\\n'); process.exit(1); }
  if (action === 'get') { process.stdout.write(JSON.stringify(db[server])); return; }
  if (action === 'erase') { delete db[server]; fs.writeFileSync(store, JSON.stringify(db)); return; }
  process.exit(2);
});
`,
      { mode: 0o755 },
    );
    const dockerConfig = path.join(work, 'cfg-helper');
    fs.mkdirSync(dockerConfig, { recursive: true });
    fs.writeFileSync(path.join(dockerConfig, 'config.json'), JSON.stringify({ credsStore: 'orasdtest' }));
    const env = { DOCKER_CONFIG: dockerConfig, PATH: `${bin}:${process.env.PATH}` };
    await withRegistries(async (regs) => {
      assert.deepEqual(await regs.login(basicReg.host, USER, { env }), { store: 'helper:orasdtest' });
      const cfgText = fs.readFileSync(path.join(dockerConfig, 'config.json'), 'utf8');
      assert.ok(!cfgText.includes(USER.password), 'the password stays in the helper');
      const stored = JSON.parse(fs.readFileSync(path.join(bin, 'store.json'), 'utf8'));
      assert.deepEqual(stored[basicReg.host], { ServerURL: basicReg.host, Username: USER.username, Secret: USER.password });

      const repo = uniqueRepo('helper');
      const t = regs.repository(basicReg.host, repo, { env });
      await pushArtifact(t, makeArtifact(), 'v1');
      for (let i = 0; i < 5; i++) await regs.repository(basicReg.host, repo, { env }).resolve('v1', { noCache: true });
      const gets = fs.readFileSync(path.join(bin, 'calls.log'), 'utf8').split('\n').filter((l) => l === 'get').length;
      assert.ok(gets <= 2, `helper answers are cached briefly (${gets} gets)`);
      // the real oras reads the same helper
      const fetched = await oras(tools, ['manifest', 'fetch', '--plain-http', `${basicReg.host}/${repo}:v1`], { env });
      assert.equal(fetched.code, 0, fetched.stderr);

      assert.deepEqual(await regs.logout(basicReg.host, { env }), { store: 'helper:orasdtest' });
      assert.deepEqual(JSON.parse(fs.readFileSync(path.join(bin, 'store.json'), 'utf8')), {});
      await assert.rejects(regs.logout(basicReg.host, { env }), isCode(ErrorCodes.NotLoggedIn));
    });
    // A configured helper that is not on PATH is a CredentialHelperFailed error, naming it.
    fs.writeFileSync(path.join(dockerConfig, 'config.json'), JSON.stringify({ credHelpers: { [basicReg.host]: 'absent' } }));
    await withRegistries(async (regs) => {
      await assert.rejects(
        regs.repository(basicReg.host, uniqueRepo('x'), { env }).resolve('v1'),
        isCode(ErrorCodes.CredentialHelperFailed, (e) => assert.match(e.message, /docker-credential-absent/)),
      );
    });
  });
});
