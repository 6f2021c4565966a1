// A request's credentials come from its caller only (issue 16, finding 3). One daemon, started
// with an environment whose DOCKER_CONFIG and HOME hold the right password, serves callers that
// each bring their own docker config (HOME or DOCKER_CONFIG) through the oras shim (cli/run env)
// and through a JSON-RPC connection (initialize env): each gets what the real oras gets with that
// config, in any order, against real distributions with htpasswd (Basic) and token auth.
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { after, before, describe, test } from 'node:test';
import { ErrorCodes } from '../protocol/errors';
import { ensureTools, startDistribution, type RunningRegistry, type Tools } from './registries/harness';
import { startDaemon, type RawClient, type TestDaemon } from './support/daemon';

const SHIM = path.join(__dirname, '..', '..', 'clients', 'shell', 'oras');
const KINDS = ['basic', 'token'] as const;
type Kind = (typeof KINDS)[number];

let tools: Tools;
let work: string;
let daemon: TestDaemon;
const regs = {} as Record<Kind, RunningRegistry>;
/** A private artifact on each registry, pushed by the real oras. */
const refs = {} as Record<Kind, string>;
let user: { username: string; password: string };

interface Run {
  code: number | null;
  stdout: string;
  stderr: string;
}

function run(cmd: string, args: string[], env: NodeJS.ProcessEnv, cwd = work): Promise<Run> {
  return new Promise((resolve, reject) => {
    const child = spawn(cmd, args, { env, cwd, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.setEncoding('utf8').on('data', (d: string) => (stdout += d));
    child.stderr.setEncoding('utf8').on('data', (d: string) => (stderr += d));
    child.on('error', reject);
    child.on('close', (code) => resolve({ code, stdout, stderr }));
  });
}

/** The environment a user's shell would have: nothing of this test process's DOCKER_CONFIG. */
function userEnv(own: { HOME?: string; DOCKER_CONFIG?: string }): NodeJS.ProcessEnv {
  return { PATH: process.env.PATH, HOME: own.HOME ?? path.join(work, 'empty-home'), ...(own.DOCKER_CONFIG ? { DOCKER_CONFIG: own.DOCKER_CONFIG } : {}) };
}
const realOras = (args: string[], own: { HOME?: string; DOCKER_CONFIG?: string }) => run(tools.oras, args, userEnv(own));
const shim = (args: string[], own: { HOME?: string; DOCKER_CONFIG?: string }) => run(SHIM, args, { ...userEnv(own), ORASD_SOCKET: daemon.socketPath });

/** A home folder whose ~/.docker/config.json logs in to both registries with this password. */
function home(name: string, password: string): string {
  const dir = path.join(work, name);
  fs.mkdirSync(path.join(dir, '.docker'), { recursive: true });
  const auth = Buffer.from(`${user.username}:${password}`).toString('base64');
  const auths = Object.fromEntries(KINDS.map((k) => [regs[k].host, { auth }]));
  fs.writeFileSync(path.join(dir, '.docker', 'config.json'), JSON.stringify({ auths, psFormat: name }, null, '\t'));
  return dir;
}
const configOf = (dir: string) => path.join(dir, '.docker', 'config.json');

let nextId = 1;
/** A JSON-RPC client on its own connection, sending `env` in initialize as a library client does. */
async function rpcClient(env: Record<string, string> | undefined): Promise<{ call: (method: string, params: object) => Promise<Record<string, any>>; raw: RawClient }> {
  const raw = await daemon.ndjson();
  const init = await raw.request(nextId++, 'initialize', { clientName: 'caller-credentials-test', ...(env ? { env } : {}) });
  assert.ok(init.result, JSON.stringify(init.error));
  // Notifications (cli/output) are dropped: only the answer matters here.
  const call = async (method: string, params: object) => {
    const id = nextId++;
    raw.send({ jsonrpc: '2.0', id, method, params });
    for (;;) {
      const m = await raw.next(60_000);
      if (m.id === id && !('method' in m)) return m as Record<string, any>;
    }
  };
  return { raw, call };
}

before(async () => {
  tools = await ensureTools();
  work = fs.mkdtempSync(path.join(os.tmpdir(), 'orasd-caller-creds-'));
  fs.mkdirSync(path.join(work, 'empty-home'));
  fs.writeFileSync(path.join(work, 'a.txt'), 'private content\n');
  [regs.basic, regs.token] = await Promise.all([startDistribution({ auth: 'basic' }), startDistribution({ auth: 'token' })]);
  user = regs.basic.auth!.users[0]!;
  for (const k of KINDS) {
    refs[k] = `${regs[k].host}/caller/private:v1`;
    const pushed = await realOras(['push', '--plain-http', '-u', user.username, '-p', user.password, refs[k], 'a.txt'], {});
    assert.equal(pushed.code, 0, pushed.stderr);
  }
  // The daemon's own environment holds the right password twice over: nobody else may use it.
  const daemonHome = home('daemon-home', user.password);
  daemon = await startDaemon({ env: { HOME: daemonHome, DOCKER_CONFIG: path.join(daemonHome, '.docker') } });
});

after(async () => {
  await daemon?.stop();
  await Promise.all(KINDS.map((k) => regs[k]?.stop()));
  fs.rmSync(work, { recursive: true, force: true });
});

describe("each caller's own credentials, on one daemon", () => {
  for (const kind of KINDS) {
    test(`JSON-RPC (initialize.env): the wrong password is UNAUTHORIZED as for oras, the right one succeeds, either order; no env means no daemon credentials (${kind})`, async () => {
      const ref = refs[kind];
      const right = home(`rpc-right-${kind}`, user.password);
      const wrong = home(`rpc-wrong-${kind}`, 'not-the-password');
      const theirs = {
        right: await realOras(['manifest', 'fetch', '--plain-http', ref], { DOCKER_CONFIG: path.join(right, '.docker') }),
        wrong: await realOras(['manifest', 'fetch', '--plain-http', ref], { HOME: wrong }),
      };
      assert.equal(theirs.right.code, 0, theirs.right.stderr);
      assert.notEqual(theirs.wrong.code, 0);
      assert.match(theirs.wrong.stderr, /401|unauthorized/i);

      const a = await rpcClient({ DOCKER_CONFIG: path.join(right, '.docker') });
      const b = await rpcClient({ HOME: wrong, PATH: process.env.PATH! });
      const none = await rpcClient(undefined);
      try {
        const refused = async (c: typeof a, what: string) => {
          for (const [method, params] of [
            ['resolve', { reference: ref }],
            ['manifest/fetch', { reference: ref }],
          ] as const) {
            const r = await c.call(method, params);
            assert.equal(r.error?.code, ErrorCodes.Unauthorized, `${what} ${method}: ${JSON.stringify(r.result ?? r.error)}`);
            assert.equal(r.error.data.status, 401);
          }
        };
        const served = async (c: typeof a) => {
          const r = await c.call('manifest/fetch', { reference: ref });
          assert.equal(r.result?.content, theirs.right.stdout, JSON.stringify(r.error));
          const byDigest = await c.call('manifest/fetch', { reference: `${regs[kind].host}/caller/private@${r.result.descriptor.digest}` });
          assert.equal(byDigest.result?.content, theirs.right.stdout, JSON.stringify(byDigest.error));
          return r.result.descriptor.digest as string;
        };
        await refused(b, 'wrong password, first');
        const digest = await served(a);
        // After A warmed tags, manifests and tokens, B and the client without env still get 401.
        await refused(b, 'wrong password, after the right one');
        await refused(none, 'no env (the daemon has valid credentials in its own env)');
        const r = await b.call('manifest/fetch', { reference: `${regs[kind].host}/caller/private@${digest}` });
        assert.equal(r.error?.code, ErrorCodes.Unauthorized, 'a manifest cached for A was served to B by digest');
        await served(a);
        // cli/run without its own env runs with the connection's.
        for (const [c, exitCode] of [[a, 0], [b, 1], [none, 1]] as const) {
          const r = await c.call('cli/run', { token: 1, argv: ['resolve', '--plain-http', ref], cwd: work });
          assert.equal(r.result?.exitCode, exitCode, JSON.stringify(r.error ?? r.result));
        }
      } finally {
        for (const c of [a, b, none]) c.raw.close();
      }
    });

    test(`the oras shim (cli/run env): each HOME gets what oras gets with it, either order (${kind})`, async () => {
      const ref = refs[kind];
      const right = home(`shim-right-${kind}`, user.password);
      const wrong = home(`shim-wrong-${kind}`, 'not-the-password');
      for (const [who, own] of [
        ['wrong', { HOME: wrong }],
        ['right', { HOME: right }],
        ['wrong', { HOME: wrong }],
        ['no HOME with a config', {}],
        ['right (DOCKER_CONFIG)', { DOCKER_CONFIG: path.join(right, '.docker') }],
        ['wrong (DOCKER_CONFIG)', { DOCKER_CONFIG: path.join(wrong, '.docker') }],
      ] as const) {
        for (const args of [
          ['manifest', 'fetch', '--plain-http', ref],
          ['resolve', '--plain-http', ref],
        ]) {
          const theirs = await realOras(args, own);
          const ours = await shim(args, own);
          assert.equal(ours.code, theirs.code, `${who} ${args[0]}: oras exited ${theirs.code}, the shim ${ours.code}: ${ours.stderr}`);
          if (theirs.code === 0) assert.equal(ours.stdout, theirs.stdout, `${who} ${args[0]}`);
          else {
            assert.match(theirs.stderr, /401|unauthorized|credential not found/i);
            assert.match(ours.stderr, /unauthorized|refused the credentials/i, `${who} ${args[0]}: ${ours.stderr}`);
            assert.match(ours.stderr, /oras login/);
            assert.equal(ours.stdout, '');
          }
        }
      }
    });
  }

  test("a credential helper runs with the caller's HOME and PATH, never the daemon's; its answers are not shared", async () => {
    // The helper hands out whatever password $HOME/.helper-secret holds: the user's keychain.
    const bin = path.join(work, 'helper-bin');
    fs.mkdirSync(bin);
    fs.writeFileSync(
      path.join(bin, 'docker-credential-homefile'),
      `#!${process.execPath}
const fs = require('fs'), path = require('path');
let input = '';
process.stdin.on('data', (d) => (input += d)).on('end', () => {
  if (process.argv[2] !== 'get') process.exit(0);
  const file = path.join(process.env.HOME || '/nonexistent', '.helper-secret');
  if (!fs.existsSync(file)) { process.stdout.write('credentials not found in native keychain\\n'); process.exit(1); }
  process.stdout.write(JSON.stringify({ ServerURL: input.trim(), Username: ${JSON.stringify(user.username)}, Secret: fs.readFileSync(file, 'utf8').trim() }));
});
`,
      { mode: 0o755 },
    );
    const cfg = path.join(work, 'helper-config');
    fs.mkdirSync(cfg);
    fs.writeFileSync(path.join(cfg, 'config.json'), JSON.stringify({ credsStore: 'homefile' }));
    const withSecret = (name: string, secret: string) => {
      const dir = path.join(work, name);
      fs.mkdirSync(dir);
      fs.writeFileSync(path.join(dir, '.helper-secret'), secret);
      return dir;
    };
    fs.writeFileSync(path.join(daemon.env.HOME!, '.helper-secret'), user.password);
    const right = withSecret('helper-right', user.password);
    const wrong = withSecret('helper-wrong', 'not-the-password');
    const PATH = `${bin}:${process.env.PATH}`;
    const clients = {
      noHome: await rpcClient({ DOCKER_CONFIG: cfg, PATH }),
      right: await rpcClient({ DOCKER_CONFIG: cfg, PATH, HOME: right }),
      wrong: await rpcClient({ DOCKER_CONFIG: cfg, PATH, HOME: wrong }),
      noPath: await rpcClient({ DOCKER_CONFIG: cfg, HOME: right }),
    };
    try {
      for (const kind of KINDS) {
        const expect = async (who: keyof typeof clients, code: number | undefined) => {
          const r = await clients[who].call('resolve', { reference: refs[kind] });
          assert.equal(r.error?.code, code, `${who} on ${kind}: ${JSON.stringify(r.error ?? r.result)}`);
          return r;
        };
        await expect('noHome', ErrorCodes.Unauthorized);
        await expect('right', undefined);
        await expect('noHome', ErrorCodes.Unauthorized);
        await expect('wrong', ErrorCodes.Unauthorized);
        const r = await expect('noPath', ErrorCodes.CredentialHelperFailed);
        assert.match(r.error.message, /docker-credential-homefile/);
      }
      // The same helper, as the real oras runs it for each user.
      const theirs = await run(tools.oras, ['resolve', '--plain-http', refs.basic], { DOCKER_CONFIG: cfg, PATH, HOME: right });
      assert.equal(theirs.code, 0, theirs.stderr);
    } finally {
      for (const c of Object.values(clients)) c.raw.close();
    }
  });

  test("login and logout write only the caller's config: the others stay byte-identical", async () => {
    const host = regs.basic.host;
    const a = home('keep-a', user.password);
    const b = home('logout-b', 'not-the-password');
    const c = home('logout-c', 'not-the-password');
    const d = path.join(work, 'login-d');
    fs.mkdirSync(d);
    const kept = [configOf(a), path.join(daemon.env.DOCKER_CONFIG!, 'config.json')];
    const before = kept.map((f) => fs.readFileSync(f));
    const unchanged = (when: string) => kept.forEach((f, i) => assert.ok(fs.readFileSync(f).equals(before[i]!), `${when} changed ${f}`));

    // A user who logs out is anonymous at once, as with oras: nothing cached under its login serves it.
    const fetchA = ['manifest', 'fetch', '--plain-http', refs.basic];
    const warm = await shim(fetchA, { HOME: a });
    assert.equal(warm.code, 0, warm.stderr);
    const e = home('logout-e', user.password);
    assert.equal((await shim(fetchA, { HOME: e })).code, 0);
    assert.equal((await shim(['logout', host], { HOME: e })).code, 0);
    const gone = await shim(fetchA, { HOME: e });
    const theirs = await realOras(fetchA, { HOME: e });
    assert.notEqual(theirs.code, 0);
    assert.equal(gone.code, theirs.code, `after logout the shim still fetched: ${gone.stdout.slice(0, 100)}`);

    const out = await shim(['logout', host], { HOME: b });
    assert.equal(out.code, 0, out.stderr);
    assert.equal(JSON.parse(fs.readFileSync(configOf(b), 'utf8')).auths[host], undefined, "B's own config still logs in");
    unchanged('logout through the shim');

    const rpc = await rpcClient({ DOCKER_CONFIG: path.join(c, '.docker') });
    const rpcD = await rpcClient({ HOME: d });
    try {
      const r = await rpc.call('logout', { registry: host });
      assert.deepEqual(r.result, { registry: host, store: `file:${configOf(c)}` }, JSON.stringify(r.error));
      assert.equal(JSON.parse(fs.readFileSync(configOf(c), 'utf8')).auths[host], undefined);
      unchanged('logout through initialize.env');

      const l = await rpcD.call('login', { registry: host, username: user.username, password: user.password });
      assert.deepEqual(l.result, { registry: host, store: `file:${configOf(d)}` }, JSON.stringify(l.error));
      unchanged('login through initialize.env');
      // What login wrote is what the real oras reads for that user.
      const theirs = await realOras(['resolve', '--plain-http', refs.basic], { HOME: d });
      assert.equal(theirs.code, 0, theirs.stderr);
    } finally {
      rpc.raw.close();
      rpcD.raw.close();
    }
  });
});
