/** The README's main command: the walkthrough on an OCI layout, then promoted to a registry. */
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { mkdir, mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { OrasdClient } from '../clients/typescript/client';
import { getSharedRegistries } from './registries/harness';
import { shape } from './support/graph';

const SCRIPT = join(__dirname, '..', '..', 'clients', 'shell', 'examples', 'walkthrough.sh');

test('the walkthrough runs on a layout with no registry, and copy -r brings the graph whole to a registry', async () => {
  const { distribution } = await getSharedRegistries();
  const dir = await mkdtemp(join(tmpdir(), 'orasd-demo-'));
  const work = join(dir, 'work');
  const socketPath = join(dir, 'run', 'orasd.sock');
  const env = { ...process.env, ORASD_SOCKET: socketPath, WORK: work, REGISTRY: distribution.host };
  await mkdir(work);
  const out = await new Promise<{ code: number | null; text: string }>((resolve) => {
    const child = spawn('sh', [SCRIPT], { env, stdio: ['ignore', 'pipe', 'pipe'] });
    let text = '';
    child.stdout.on('data', (d) => (text += d));
    child.stderr.on('data', (d) => (text += d));
    child.on('close', (code) => resolve({ code, text }));
  });
  const c = await OrasdClient.connect({ socketPath, autoSpawn: false });
  try {
    assert.equal(out.code, 0, out.text);
    for (const line of ['├── signature/example', 'sbom/example', 'readme/example', 'Copied [oci-layout] ./layout:v1 => [oci-layout] ./staging:v1', './download-doc/details/readme-details.md']) {
      assert.ok(out.text.includes(line), `missing "${line}" in:\n${out.text}`);
    }
    const fromLayout = await c.discover({ reference: join(work, 'layout:v1'), ociLayout: true });
    const inRegistry = await c.discover({ reference: `${distribution.host}/net-monitor:v1`, noCache: true });
    assert.equal(inRegistry.referrers.length, 3);
    assert.deepEqual(shape(inRegistry), shape(fromLayout));
  } finally {
    await c.call('shutdown', {}).catch(() => undefined);
    c.dispose();
    await rm(dir, { recursive: true, force: true });
  }
});
