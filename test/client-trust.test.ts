/**
 * What every client (C launcher, Python launcher, Node launcher, Python client, TS client) owes
 * the user before it talks to a daemon: it refuses a socket folder someone else could control
 * (a fake daemon listening there would receive commands, prompts and passwords), it sends the
 * caller's environment rather than relying on the daemon's, and a daemon it starts gets neither
 * its environment nor its working directory. Real daemons and real sockets; the fake listeners
 * are the test's own, standing in for another user's.
 */
import assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import { chmodSync, chownSync, existsSync, mkdtempSync, readFileSync, readlinkSync, rmSync, symlinkSync } from 'node:fs';
import { createConnection, createServer, type Server } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { OrasdClient } from '../clients/typescript/client';
import { forwardedEnv } from '../protocol/caller-env';
import { DAEMON_ENV_NAMES, DAEMON_ENV_PREFIXES, defaultSocketPath } from '../protocol/endpoint';
import { clientRulesOutputs } from '../protocol/gen-client-rules';
import { FrameDecoder } from '../src/server/frame-decoder';

const ROOT = join(__dirname, '..', '..');
const SHELL = join(ROOT, 'clients', 'shell');
const MAIN = join(ROOT, 'dist', 'src', 'main.js');
const C_BIN = join(SHELL, '.bin', 'oras-launcher');
const PYTHON = ['/usr/bin/python3', '/usr/local/bin/python3'].find((p) => existsSync(p)) ?? 'python3';
const PY_CLIENT_DIR = join(ROOT, 'clients', 'python');
const IS_ROOT = process.getuid?.() === 0;

/** Variables a client must keep to itself: the spawned daemon must not see them. */
const CALLER_ONLY = {
  UNRELATED_SECRET: 'hunter2-unrelated',
  HTTPS_PROXY: 'http://proxy.invalid:3128',
  SSL_CERT_FILE: '/nonexistent/ca.pem',
  ORAS_CALLER_SETTING: 'caller',
  XDG_CONFIG_HOME: '/nonexistent/xdg',
};

const dirs: string[] = [];
function privateDir(prefix: string): string {
  const d = mkdtempSync(join(tmpdir(), prefix));
  dirs.push(d);
  return d;
}

/** This process's environment without anything that steers orasd or oras. */
function baseEnv(): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = {};
  for (const [k, v] of Object.entries(process.env)) if (!k.startsWith('ORASD_') && !k.startsWith('ORAS_') && k !== 'XDG_RUNTIME_DIR') env[k] = v;
  return env;
}

/** A listener of our own, standing in for another user's fake daemon: counts what reaches it. */
class Listener {
  connections = 0;
  bytes = 0;
  readonly messages: Record<string, any>[] = []; // eslint-disable-line @typescript-eslint/no-explicit-any
  private server!: Server;
  constructor(readonly path: string) {}
  async listen(): Promise<this> {
    this.server = createServer((s) => {
      this.connections++;
      const decoder = new FrameDecoder({ maxMessageBytes: 1 << 20 });
      s.on('error', () => undefined);
      s.on('data', (d: Buffer) => {
        this.bytes += d.length;
        for (const ev of decoder.push(d)) {
          if (ev.kind !== 'message') continue;
          const m = ev.value as { id?: unknown; method?: string };
          this.messages.push(m);
          // An answer in the client's framing, so the client stops waiting.
          const reply = JSON.stringify({ jsonrpc: '2.0', id: m.id ?? null, error: { code: -32603, message: 'fake daemon' } });
          s.write(decoder.detected === 'lsp' ? `Content-Length: ${Buffer.byteLength(reply)}\r\n\r\n${reply}` : `${reply}\n`);
        }
      });
    });
    await new Promise<void>((r) => this.server.listen(this.path, r));
    return this;
  }
  close(): Promise<void> {
    return new Promise((r) => this.server.close(() => r()));
  }
}

interface Outcome {
  ok: boolean;
  message: string;
}

function runProcess(cmd: string[], env: NodeJS.ProcessEnv, cwd: string): Promise<Outcome> {
  return new Promise((resolve, reject) => {
    const child = spawn(cmd[0]!, cmd.slice(1), { env, cwd, stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    child.stdout.on('data', (d) => (out += d));
    child.stderr.on('data', (d) => (out += d));
    const timer = setTimeout(() => child.kill('SIGKILL'), 60_000);
    child.on('error', reject);
    child.on('close', (code) => {
      clearTimeout(timer);
      resolve({ ok: code === 0, message: out });
    });
  });
}

/** The Python client in a child interpreter: connect, ask status, print the daemon's pid. */
const PY_CLIENT_SCRIPT = `
import os, sys
sys.path.insert(0, ${JSON.stringify(PY_CLIENT_DIR)})
from orasd import Client
try:
    with Client.connect(command=[${JSON.stringify(process.execPath)}, ${JSON.stringify(MAIN)}], timeout=30) as c:
        print(c.status()["pid"])
except Exception as e:
    print("%s: %s" % (type(e).__name__, e))
    sys.exit(1)
`;

type Kind = 'C launcher' | 'Python launcher' | 'Node launcher' | 'Python client' | 'TS client';
const KINDS: Kind[] = ['C launcher', 'Python launcher', 'Node launcher', 'Python client', 'TS client'];

/** One client of the given kind, run once against the socket named by env.ORASD_SOCKET. */
async function runClient(kind: Kind, env: NodeJS.ProcessEnv, cwd: string): Promise<Outcome> {
  switch (kind) {
    case 'C launcher':
      return runProcess([C_BIN, 'version'], env, cwd);
    case 'Python launcher':
      return runProcess([PYTHON, '-S', join(SHELL, 'oras_launcher.py'), 'version'], env, cwd);
    case 'Node launcher':
      return runProcess([process.execPath, MAIN, 'version'], env, cwd);
    case 'Python client':
      return runProcess([PYTHON, '-c', PY_CLIENT_SCRIPT], env, cwd);
    case 'TS client':
      try {
        const c = await OrasdClient.connect({ env, daemonCommand: [process.execPath, MAIN] });
        const { pid } = await c.status();
        c.dispose();
        return { ok: true, message: String(pid) };
      } catch (e) {
        return { ok: false, message: (e as Error).message };
      }
  }
}

function rawStatus(socket: string): Promise<{ pid: number }> {
  return new Promise((resolve, reject) => {
    const s = createConnection(socket);
    let buf = '';
    s.setEncoding('utf8');
    s.on('connect', () => s.write('{"jsonrpc":"2.0","id":1,"method":"status","params":{}}\n'));
    s.on('data', (d: string) => {
      buf += d;
      if (!buf.includes('\n')) return;
      s.destroy();
      resolve((JSON.parse(buf.slice(0, buf.indexOf('\n'))) as { result: { pid: number } }).result);
    });
    s.on('error', reject);
  });
}

async function stopDaemon(pid: number): Promise<void> {
  try {
    process.kill(pid, 'SIGTERM');
  } catch {
    return;
  }
  for (let i = 0; i < 500; i++) {
    try {
      process.kill(pid, 0);
    } catch {
      return;
    }
    await new Promise((r) => setTimeout(r, 20));
  }
  process.kill(pid, 'SIGKILL');
}

before(() => {
  spawnSync('sh', [join(SHELL, 'build.sh')], { stdio: 'inherit' });
  if (!existsSync(C_BIN)) KINDS.splice(KINDS.indexOf('C launcher'), 1); // no C compiler here
});

after(() => {
  for (const d of dirs) rmSync(d, { recursive: true, force: true });
});

describe('a socket folder someone else could control is refused before anything is sent', () => {
  /** The three ways another user gets a listener where a client looks for its daemon. */
  const folders: { name: string; why: RegExp; make: () => Promise<{ socket: string; listener: Listener }> }[] = [
    {
      name: 'a world-writable folder',
      why: /is accessible to other users \(mode 777\)/,
      make: async () => {
        const d = privateDir('orasd-trust-open-');
        chmodSync(d, 0o777);
        const listener = await new Listener(join(d, 'orasd.sock')).listen();
        return { socket: listener.path, listener };
      },
    },
    {
      name: 'a symlinked folder',
      why: /is not a directory \(a symlink\?\)/,
      make: async () => {
        const real = privateDir('orasd-trust-real-');
        const link = `${real}-link`;
        symlinkSync(real, link);
        dirs.push(link);
        const listener = await new Listener(join(real, 'orasd.sock')).listen();
        return { socket: join(link, 'orasd.sock'), listener };
      },
    },
    {
      name: "another user's folder",
      why: /belongs to uid 65534, not to you/,
      make: async () => {
        const d = privateDir('orasd-trust-owned-');
        const listener = await new Listener(join(d, 'orasd.sock')).listen();
        chownSync(d, 65534, 65534); // nobody; root (CI) can still listen and connect there
        return { socket: listener.path, listener };
      },
    },
  ];

  for (const f of folders) {
    test(`${f.name}: every client refuses, naming the folder and what to do; the listener gets no connection and no byte`, { skip: f.name.startsWith('another') && !IS_ROOT && 'needs root to chown' }, async () => {
      const cwd = privateDir('orasd-trust-cwd-');
      for (const kind of KINDS) {
        const { socket, listener } = await f.make();
        try {
          const r = await runClient(kind, { ...baseEnv(), ORASD_SOCKET: socket }, cwd);
          assert.equal(r.ok, false, `${kind} connected to ${f.name}: ${r.message}`);
          assert.match(r.message, f.why, kind);
          assert.ok(r.message.includes(join(socket, '..')), `${kind} names the folder: ${r.message}`);
          assert.match(r.message, /refusing to connect.*set ORASD_SOCKET to a socket in a folder of your own with mode 0700/, kind);
          assert.equal(listener.bytes, 0, `${kind} sent ${listener.bytes} bytes to ${f.name}`);
          assert.equal(listener.connections, 0, `${kind} connected to ${f.name}`);
        } finally {
          await listener.close();
        }
      }
    });
  }

  test('orasd daemon status / stop do not even probe such a folder', async () => {
    const d = privateDir('orasd-trust-status-');
    chmodSync(d, 0o777);
    const listener = await new Listener(join(d, 'orasd.sock')).listen();
    try {
      for (const cmd of ['status', 'stop']) {
        const r = await runProcess([process.execPath, MAIN, 'daemon', cmd], { ...baseEnv(), ORASD_SOCKET: listener.path }, d);
        assert.equal(r.ok, false, r.message);
        assert.match(r.message, /accessible to other users.*refusing to connect/);
      }
      assert.equal(listener.connections, 0);
    } finally {
      await listener.close();
    }
  });
});

describe("the caller's environment", () => {
  for (const kind of ['Python client', 'TS client'] as const) {
    test(`the ${kind} sends the forwarded part of the caller's environment in initialize, nothing else`, async () => {
      const d = privateDir('orasd-trust-env-');
      const listener = await new Listener(join(d, 'orasd.sock')).listen();
      try {
        const env = { ...baseEnv(), ...CALLER_ONLY, ORASD_SOCKET: listener.path, DOCKER_CONFIG: join(d, 'docker') };
        const r = await runClient(kind, env, d);
        assert.equal(r.ok, false, 'the fake daemon answers initialize with an error');
        const init = listener.messages[0]!;
        assert.equal(init.method, 'initialize');
        assert.deepEqual(init.params.env, forwardedEnv(env));
        for (const k of ['DOCKER_CONFIG', 'HOME', 'HTTPS_PROXY', 'SSL_CERT_FILE', 'ORAS_CALLER_SETTING', 'XDG_CONFIG_HOME']) assert.equal(init.params.env[k], env[k as keyof typeof env], k);
        assert.equal(init.params.env.UNRELATED_SECRET, undefined);
        assert.equal(init.params.env.ORASD_SOCKET, undefined);
      } finally {
        await listener.close();
      }
    });
  }

  test('a daemon started by any client runs in its state folder, with none of the caller\'s unrelated or per-caller variables', async () => {
    const cwd = privateDir('orasd-trust-caller-cwd-');
    for (const kind of KINDS) {
      const d = privateDir('orasd-trust-spawn-');
      const socket = join(d, 'orasd.sock');
      const env = { ...baseEnv(), ...CALLER_ONLY, ORASD_SOCKET: socket, DOCKER_CONFIG: join(d, 'docker'), ORASD_IDLE_TIMEOUT: '120' };
      const r = await runClient(kind, env, cwd);
      assert.equal(r.ok, true, `${kind}: ${r.message}`);
      const { pid } = await rawStatus(socket);
      try {
        assert.equal(readlinkSync(`/proc/${pid}/cwd`), d, `${kind}: the daemon's working directory`);
        const daemonEnv = Object.fromEntries(
          readFileSync(`/proc/${pid}/environ`, 'utf8')
            .split('\0')
            .filter(Boolean)
            .map((kv) => [kv.slice(0, kv.indexOf('=')), kv.slice(kv.indexOf('=') + 1)]),
        );
        const allowed = (k: string) => (DAEMON_ENV_NAMES as readonly string[]).includes(k) || DAEMON_ENV_PREFIXES.some((p) => k.startsWith(p));
        assert.deepEqual(Object.keys(daemonEnv).filter((k) => !allowed(k)), [], `${kind}: variables the daemon must not get`);
        assert.equal(daemonEnv.ORASD_SOCKET, socket, kind);
        assert.equal(daemonEnv.ORASD_IDLE_TIMEOUT, '120', `${kind}: the daemon's own settings pass`);
        assert.equal(daemonEnv.HOME, process.env.HOME, kind);
      } finally {
        await stopDaemon(pid);
      }
    }
  });
});

describe('the rules generated from protocol/', () => {
  test('the C header, the Python module and the Python launcher hold what protocol/ yields (npm run gen)', () => {
    for (const [path, expected] of clientRulesOutputs()) {
      assert.equal(readFileSync(path, 'utf8'), expected, `${path} drifted from protocol/: run npm run gen`);
    }
  });

  test('the Python rules compute the socket path protocol/endpoint.ts computes', () => {
    const cases: Record<string, string>[] = [
      { ORASD_SOCKET: '/a/b.sock', XDG_RUNTIME_DIR: '/run/user/7' },
      { XDG_RUNTIME_DIR: '/run/user/7' },
      { TMPDIR: '/var/tmp//' },
      { TMP: '/x/tmp' },
      { TEMP: '/y' },
      {},
    ];
    const script = `import json, sys\nsys.path.insert(0, ${JSON.stringify(join(PY_CLIENT_DIR, 'orasd'))})\nimport _rules\nprint(json.dumps([_rules.default_socket_path(e, 1234) for e in json.load(sys.stdin)]))`;
    const r = spawnSync(PYTHON, ['-S', '-c', script], { input: JSON.stringify(cases), encoding: 'utf8' });
    assert.equal(r.status, 0, r.stderr);
    assert.deepEqual(JSON.parse(r.stdout), cases.map((e) => defaultSocketPath(e, 1234)));
  });
});
