// A cold command (a daemon that has not talked to the registry yet) opens no more connections
// than oras does for it: a push of one small file uploads its two blobs (the file and the empty
// config) at once, so oras opens two, and the manifest goes over one of them.
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { after, before, test } from 'node:test';
import { Engine } from '../src/api/engine';
import { runCliInMemory } from '../src/cli/memory-io';
import { createLogger } from '../src/log';
import { getSharedRegistries, oras, ensureTools, type SharedRegistries } from './registries/harness';

const log = createLogger({ level: 'silent' });
// Whether a connection survives its upload is a race with the registry's answer: several cold
// pushes give it several chances to show.
const ROUNDS = 10;
let work: string;
let registries: SharedRegistries;

before(async () => {
  registries = await getSharedRegistries();
  work = fs.mkdtempSync(path.join(os.tmpdir(), 'orasd-cold-conn-'));
  fs.writeFileSync(path.join(work, 'small.txt'), 'a small file\n');
});
after(() => fs.rmSync(work, { recursive: true, force: true }));

for (const kind of ['olareg', 'distribution'] as const) {
  test(`a cold push of a small file to ${kind} opens at most the 2 connections oras opens`, async () => {
    const reg = registries[kind];
    const repo = `cold-conn/${randomBytes(4).toString('hex')}`;
    const opened: number[] = [];
    for (let i = 0; i < ROUNDS; i++) {
      const engine = new Engine({ log });
      try {
        const r = await runCliInMemory(engine, ['push', `${reg.host}/${repo}:v${i}`, 'small.txt'], { cwd: work, log, env: { DOCKER_CONFIG: work } });
        assert.equal(r.code, 0, r.stderr);
        opened.push(Object.values(engine.registries.stats().connections).reduce((a, b) => a + b, 0));
      } finally {
        await engine.close();
      }
    }
    assert.ok(opened.every((n) => n <= 2), `connections per cold push: ${opened.join(', ')}`);
    // What was pushed is there, as oras sees it.
    const pulled = fs.mkdtempSync(path.join(work, 'pull-'));
    const got = await oras(await ensureTools(), ['pull', '--plain-http', '-o', pulled, `${reg.host}/${repo}:v${ROUNDS - 1}`]);
    assert.equal(got.code, 0, got.stderr);
    assert.equal(fs.readFileSync(path.join(pulled, 'small.txt'), 'utf8'), 'a small file\n');
  });
}
