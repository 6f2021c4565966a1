#!/usr/bin/env node
/**
 * Entry of the `orasd` command. A cold `oras` command waits for the daemon to start, and
 * loading ~460 modules file by file and compiling them took most of that (about 0.4 s of CPU).
 * So `npm run build` also bundles src/orasd.ts into one file (dist/orasd.js, esbuild) with a V8
 * code cache beside it (dist/orasd.js.cache, see src/build/bundle.js); this runs the bundle with
 * that cache and falls back to the compiled modules when there is no current bundle (a bare
 * `tsc`, ORASD_NO_BUNDLE=1).
 */
import * as fs from 'node:fs';
import Module = require('node:module');
import * as path from 'node:path';
import * as vm from 'node:vm';

const BUNDLE = path.join(__dirname, '..', 'orasd.js');

/** The bundle as a vm.Script using (and, when asked, writing) its code cache; undefined if stale or absent. */
function compileBundle(): vm.Script | undefined {
  if (process.env.ORASD_NO_BUNDLE === '1') return undefined;
  let src: string;
  try {
    // tsc rewrites every output: a bundle older than the modules was not rebuilt with them.
    if (fs.statSync(BUNDLE).mtimeMs < fs.statSync(path.join(__dirname, 'orasd.js')).mtimeMs) return undefined;
    src = fs.readFileSync(BUNDLE, 'utf8');
  } catch {
    return undefined;
  }
  const cacheFile = `${BUNDLE}.cache`;
  let cachedData: Buffer | undefined;
  try {
    cachedData = fs.readFileSync(cacheFile);
  } catch {
    cachedData = undefined;
  }
  const script = new vm.Script(Module.wrap(src), { filename: BUNDLE, ...(cachedData ? { cachedData } : {}) });
  if (process.env.ORASD_WRITE_CODE_CACHE === '1') {
    // Written at exit, so the functions this run compiled lazily are in it too.
    process.once('exit', () => {
      const tmp = `${cacheFile}.${process.pid}`;
      fs.writeFileSync(tmp, script.createCachedData());
      fs.renameSync(tmp, cacheFile);
    });
  }
  return script;
}

const script = compileBundle();
if (script) {
  const bundleModule = new Module(BUNDLE, module);
  bundleModule.filename = BUNDLE;
  const run = script.runInThisContext() as (exports: unknown, require: NodeJS.Require, module: Module, filename: string, dirname: string) => void;
  // The bundle only requires Node's built-in modules.
  run.call(bundleModule.exports, bundleModule.exports, require, bundleModule, BUNDLE, path.dirname(BUNDLE));
} else {
  require('./orasd');
}
