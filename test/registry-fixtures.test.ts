// Shared helpers of the registry-target tests (no tests of its own): registries from the
// harness, tiny artifacts built in memory, and a Registries instance per test file.
import { randomBytes } from 'node:crypto';
import { Readable } from 'node:stream';
import { silentLogger } from '../src/log';
import { descriptorOf, type Descriptor } from '../src/oci/descriptor';
import { encodeImageManifest } from '../src/oci/manifest';
import { EmptyJson, MediaTypes } from '../src/oci/mediatypes';
import { Registries, type RegistryOptions } from '../src/targets/registry';
import type { RegistryTarget } from '../src/targets/registry';
import type { RunningRegistry } from './registries/harness';

export const uniqueRepo = (what: string) => `orasd-test/${what}-${randomBytes(4).toString('hex')}`;

export function newRegistries(extra: Partial<ConstructorParameters<typeof Registries>[0]> = {}): Registries {
  return new Registries({ log: silentLogger(), retry: { attempts: 3, baseDelayMs: 20, maxDelayMs: 200 }, ...extra });
}

export function optionsFor(reg: RunningRegistry, extra: RegistryOptions = {}): RegistryOptions {
  return { ...(reg.tls ? { caFile: reg.tls.caFile } : {}), ...extra };
}

export interface Artifact {
  manifest: Descriptor;
  bytes: Buffer;
  layers: Array<{ desc: Descriptor; data: Buffer }>;
  config: Descriptor;
}

/** An image manifest with an empty config and one small random layer (plus optional subject). */
export function makeArtifact(opts: { subject?: Descriptor; artifactType?: string; annotations?: Record<string, string>; layerSize?: number } = {}): Artifact {
  const data = randomBytes(opts.layerSize ?? 64);
  const layer = descriptorOf(MediaTypes.DefaultLayer, data);
  const config: Descriptor = { mediaType: EmptyJson.mediaType, digest: EmptyJson.digest, size: EmptyJson.size };
  const bytes = encodeImageManifest({
    schemaVersion: 2,
    mediaType: MediaTypes.ImageManifest,
    ...(opts.artifactType ? { artifactType: opts.artifactType } : {}),
    config,
    layers: [layer],
    ...(opts.subject ? { subject: opts.subject } : {}),
    ...(opts.annotations ? { annotations: opts.annotations } : {}),
  });
  return { manifest: descriptorOf(MediaTypes.ImageManifest, bytes), bytes, layers: [{ desc: layer, data }], config };
}

export const EMPTY_CONFIG = Buffer.from('{}');

/** Pushes blobs and manifest (optionally under a tag). */
export async function pushArtifact(t: RegistryTarget, a: Artifact, tag?: string): Promise<void> {
  await t.pushBlob(a.config, () => Readable.from([EMPTY_CONFIG]));
  for (const l of a.layers) await t.pushBlob(l.desc, () => Readable.from([l.data]));
  await t.pushManifest(a.manifest, a.bytes, tag);
}

export async function readAll(r: Readable): Promise<Buffer> {
  const chunks: Buffer[] = [];
  for await (const c of r) chunks.push(c as Buffer);
  return Buffer.concat(chunks);
}
