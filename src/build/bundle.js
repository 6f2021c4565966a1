// Part of `npm run build`, after tsc: bundles the `orasd` command (dist/src/orasd.js) into one
// file, dist/orasd.js, and writes its V8 code cache, dist/orasd.js.cache, which dist/src/main.js
// loads (see src/main.ts for why). The cache is taken from a daemon that served one command
// (a push into an OCI layout folder, over stdio), so what a cold `oras push` runs is compiled.
'use strict';
const { spawn } = require('node:child_process');
const fs = require('node:fs');
const os = require('node:os');
const path = require('node:path');
const esbuild = require('esbuild');

const root = path.join(__dirname, '..', '..');
const dist = path.join(root, 'dist');
const bundle = path.join(dist, 'orasd.js');
const cache = `${bundle}.cache`;

async function main() {
  await esbuild.build({
    entryPoints: [path.join(dist, 'src', 'orasd.js')],
    outfile: bundle,
    bundle: true,
    platform: 'node',
    target: 'node20',
    format: 'cjs',
    // Whitespace and syntax only: class and function names stay (error names, stack traces).
    minifyWhitespace: true,
    minifySyntax: true,
    logLevel: 'warning',
    plugins: [
      {
        // Our modules' `undici` is the part of it the daemon uses (src/build/undici-core.js).
        name: 'undici-core',
        setup(build) {
          build.onResolve({ filter: /^undici$/ }, (args) =>
            args.importer.startsWith(dist) ? { path: path.join(__dirname, 'undici-core.js') } : undefined,
          );
        },
      },
      {
        // In the bundle __dirname is dist/; our modules mean their own folder and file (connect.ts
        // finds dist/src/main.js from dist/clients/typescript; protocol/build.ts hashes its own file,
        // so the daemon and its clients agree on the build id).
        name: 'module-dirname',
        setup(build) {
          build.onLoad({ filter: /\.js$/ }, (args) => {
            if (!args.path.startsWith(dist + path.sep)) return undefined;
            const contents = fs.readFileSync(args.path, 'utf8');
            if (!/\b__(dirname|filename)\b/.test(contents)) return undefined;
            const own = { __dirname: path.relative(dist, path.dirname(args.path)), __filename: path.relative(dist, args.path) };
            return { contents: contents.replace(/\b__(dirname|filename)\b/g, (name) => `require('node:path').join(__dirname, ${JSON.stringify(own[name])})`), loader: 'js' };
          });
        },
      },
    ],
  });
  fs.rmSync(cache, { force: true });
  warmCache();
}

function warmCache() {
  const work = fs.mkdtempSync(path.join(os.tmpdir(), 'orasd-bundle-'));
  fs.writeFileSync(path.join(work, 'warm.txt'), 'warm\n');
  const frame = (msg) => {
    const body = JSON.stringify({ jsonrpc: '2.0', ...msg });
    return `Content-Length: ${Buffer.byteLength(body)}\r\n\r\n${body}`;
  };
  const daemon = spawn(process.execPath, [path.join(dist, 'src', 'main.js'), 'serve', '--stdio', '--log-level', 'warn'], {
    cwd: work,
    env: { ...process.env, ORASD_WRITE_CODE_CACHE: '1', ORASD_SOCKET: path.join(work, 'orasd.sock') },
    stdio: ['pipe', 'pipe', 'inherit'],
  });
  let out = '';
  const timer = setTimeout(() => daemon.kill(), 60_000);
  daemon.stdout.setEncoding('utf8').on('data', (chunk) => {
    out += chunk;
    // Its answer to cli/run: closing stdin then stops the daemon, which writes the cache as it exits.
    if (/"id":2,"(result|error)"/.test(out)) daemon.stdin.end();
  });
  daemon.stdin.write(frame({ id: 1, method: 'initialize', params: { clientName: 'bundle' } }));
  daemon.stdin.write(frame({ id: 2, method: 'cli/run', params: { token: 1, argv: ['push', '--oci-layout', `${path.join(work, 'layout')}:warm`, 'warm.txt'], cwd: work } }));
  daemon.on('exit', (code) => {
    clearTimeout(timer);
    fs.rmSync(work, { recursive: true, force: true });
    if (code !== 0 || !fs.existsSync(cache) || !/"id":2,"result":\{"exitCode":0\}/.test(out)) {
      // The bundle works without a cache, only slower to start: say so and go on.
      process.stderr.write(`bundle: no code cache written (daemon exit ${code}): ${out}\n`);
    }
  });
}

main().catch((e) => {
  process.stderr.write(`bundle: ${e.stack ?? e}\n`);
  process.exitCode = 1;
});
