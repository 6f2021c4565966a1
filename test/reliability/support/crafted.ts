// Artifacts a hostile producer would publish, built by hand (no packer would write them) and
// pushed for real through the daemon's blob/push and manifest/push.
import { createHash, randomBytes } from 'node:crypto';
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import * as tar from 'tar';
import type { OrasdClient } from '../../../clients/typescript/client';

export interface TarEntry {
  path: string;
  type?: 'File' | 'Directory' | 'SymbolicLink' | 'Link' | 'CharacterDevice' | 'BlockDevice' | 'FIFO';
  body?: string;
  linkpath?: string;
}

/**
 * A tar written header by header, so entries tar itself would refuse to write can exist. Without
 * `end` the closing blocks are left off, so an archive can be written in pieces.
 */
export function makeTar(entries: TarEntry[], { end = true } = {}): Buffer {
  const blocks: Buffer[] = [];
  for (const e of entries) {
    const body = Buffer.from(e.body ?? '');
    const header = Buffer.alloc(512);
    new tar.Header({
      path: e.path,
      type: e.type ?? 'File',
      size: body.length,
      mode: 0o644,
      mtime: new Date(0),
      ...(e.linkpath ? { linkpath: e.linkpath } : {}),
      ...(e.type === 'CharacterDevice' || e.type === 'BlockDevice' ? { devmaj: 1, devmin: 3 } : {}),
    } as never).encode(header, 0);
    blocks.push(header, body, Buffer.alloc((512 - (body.length % 512)) % 512));
  }
  if (end) blocks.push(Buffer.alloc(1024));
  return Buffer.concat(blocks);
}

export const sha256 = (b: Buffer | string) => `sha256:${createHash('sha256').update(b).digest('hex')}`;

export interface CraftedLayer {
  data: Buffer;
  mediaType?: string;
  annotations?: Record<string, string>;
}

/** Pushes the blobs, then an image manifest naming them as layers; returns the manifest digest. */
export async function pushCrafted(c: OrasdClient, reference: string, cwd: string, layers: CraftedLayer[]): Promise<string> {
  const repo = reference.replace(/[:@][^/]*$/, '');
  const descs = [];
  for (const l of layers) {
    const file = `blob-${randomBytes(6).toString('hex')}`;
    await writeFile(join(cwd, file), l.data);
    const digest = sha256(l.data);
    await c.call('blob/push', { reference: `${repo}@${digest}`, file, cwd });
    descs.push({ mediaType: l.mediaType ?? 'application/vnd.oci.image.layer.v1.tar', digest, size: l.data.length, ...(l.annotations ? { annotations: l.annotations } : {}) });
  }
  await c.call('blob/push', { reference: `${repo}@${sha256('{}')}`, file: await emptyJson(cwd), cwd });
  const manifest = JSON.stringify({
    schemaVersion: 2,
    mediaType: 'application/vnd.oci.image.manifest.v1+json',
    artifactType: 'application/vnd.test.hostile',
    config: { mediaType: 'application/vnd.oci.empty.v1+json', digest: sha256('{}'), size: 2 },
    layers: descs,
  });
  return (await c.call('manifest/push', { reference, content: manifest, cwd })).digest;
}

async function emptyJson(cwd: string): Promise<string> {
  await writeFile(join(cwd, 'empty.json'), '{}');
  return 'empty.json';
}

/** A folder layer as oras marks it: tar+gzip, unpack=true, the tar's digest annotated. */
export function folderLayer(title: string, entries: TarEntry[], gzip: (b: Buffer) => Buffer): CraftedLayer {
  const t = makeTar(entries);
  return {
    data: gzip(t),
    mediaType: 'application/vnd.oci.image.layer.v1.tar+gzip',
    annotations: { 'org.opencontainers.image.title': title, 'io.deis.oras.content.unpack': 'true', 'io.deis.oras.content.digest': sha256(t) },
  };
}
