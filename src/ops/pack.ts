import { createReadStream, createWriteStream } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { isAbsolute, join, posix } from 'node:path';
import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { createGzip } from 'node:zlib';
import * as tar from 'tar';
import { ErrorCodes, OrasdError } from '../errors';
import type { Descriptor } from '../oci/descriptor';
import { descriptorOf } from '../oci/descriptor';
import { digestFile, newHash, READ_CHUNK } from '../oci/digest';
import { encodeImageManifest, type ImageManifest } from '../oci/manifest';
import { Annotations, EmptyJson, MediaTypes } from '../oci/mediatypes';
import type { TempTracker } from './context';
import { readInputFile, resolvePath, scratchDir, statInput } from './files';

export interface PackInput {
  cwd: string;
  files: { path: string; mediaType?: string }[];
  annotations?: Record<string, string>;
  annotationFile?: string;
  artifactType?: string;
  config?: { path: string; mediaType?: string };
  imageSpec?: 'v1.1' | 'v1.0';
  subject?: Descriptor;
  disablePathValidation?: boolean;
  signal?: AbortSignal;
  /** Records the scratch folder while it exists. */
  temps?: TempTracker;
  /** How far the hashing of a large file got (throttled): a multi-GiB file takes seconds. */
  onHashing?: (p: { path: string; done: number; total: number }) => void;
}

const HASH_PROGRESS_MS = 100;

/** onHashing for one file: the first and last counts always, those in between every 100 ms. */
function hashProgress(path: string, sink: PackInput['onHashing']): ((done: number, total: number) => void) | undefined {
  if (!sink) return undefined;
  let last = 0;
  return (done, total) => {
    const now = Date.now();
    if (done < total && now - last < HASH_PROGRESS_MS) return;
    last = now;
    sink({ path, done, total });
  };
}

/** A blob ready to upload: its descriptor and a way to read it (again, for retries). */
export interface PreparedBlob {
  descriptor: Descriptor;
  open(): Readable;
}

export interface Packed {
  manifest: { descriptor: Descriptor; bytes: Buffer };
  /** Config and layers, de-duplicated by digest: what must exist before the manifest is pushed. */
  blobs: PreparedBlob[];
  layers: Descriptor[];
  dispose(): Promise<void>;
}

type AnnotationFile = Record<string, Record<string, string>>;

async function loadAnnotationFile(cwd: string, path: string | undefined): Promise<AnnotationFile> {
  if (!path) return {};
  const bytes = await readInputFile(resolvePath(cwd, path), path, 4 * 1024 * 1024);
  let json: unknown;
  try {
    json = JSON.parse(bytes.toString('utf8'));
  } catch (e) {
    throw new OrasdError(ErrorCodes.InvalidArgument, `annotation file ${path} is not JSON: ${(e as Error).message}`, { path });
  }
  if (!json || typeof json !== 'object' || Array.isArray(json)) {
    throw new OrasdError(ErrorCodes.InvalidArgument, `annotation file ${path} must be an object of objects`, { path });
  }
  for (const [k, v] of Object.entries(json)) {
    if (!v || typeof v !== 'object' || Array.isArray(v) || Object.values(v).some((x) => typeof x !== 'string')) {
      throw new OrasdError(ErrorCodes.InvalidArgument, `annotation file ${path}: "${k}" must map to string values`, { path });
    }
  }
  return json as AnnotationFile;
}

/** The title oras gives a file: the cleaned path as written, with forward slashes. */
export function fileTitle(given: string, disablePathValidation: boolean | undefined): string {
  const cleaned = posix.normalize(given.replace(/\\/g, '/')).replace(/\/+$/, '') || '.';
  if (isAbsolute(given) && !disablePathValidation) {
    throw new OrasdError(ErrorCodes.InvalidArgument, `absolute file path detected: ${given}`, {
      path: given,
      hint: 'absolute paths end up in the artifact as file names; use a relative path, or pass disablePathValidation (--disable-path-validation) if it is intended',
    });
  }
  return cleaned;
}

function sorted(record: Record<string, string>): Record<string, string> {
  return Object.fromEntries(Object.entries(record).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)));
}

/**
 * Tars and gzips a folder into `dest`, entries prefixed by the folder's title as oras does,
 * hashing the tar stream (for io.deis.oras.content.digest) and the gzip (the layer digest) in one pass.
 */
async function tarFolder(dir: string, title: string, dest: string, signal?: AbortSignal) {
  const tarHash = newHash();
  const gzHash = newHash();
  let size = 0;
  await pipeline(
    tar.c({ cwd: dir, prefix: title, portable: true, follow: false }, ['.']) as unknown as Readable,
    async function* (source: AsyncIterable<Buffer>) {
      for await (const chunk of source) {
        tarHash.update(chunk);
        yield chunk;
      }
    },
    createGzip(),
    async function* (source: AsyncIterable<Buffer>) {
      for await (const chunk of source) {
        gzHash.update(chunk);
        size += chunk.length;
        yield chunk;
      }
    },
    createWriteStream(dest),
    { signal },
  );
  return { digest: `sha256:${gzHash.digest('hex')}`, size, tarDigest: `sha256:${tarHash.digest('hex')}` };
}

/**
 * Files and folders → layers, config and an image manifest, as `oras push`/`oras attach` build
 * them. Nothing is uploaded here; folders are staged in a scratch folder that `dispose` removes.
 */
export async function pack(input: PackInput): Promise<Packed> {
  // Only folders need a scratch folder; pushes of plain files never touch the disk for it.
  let scratch: Awaited<ReturnType<typeof scratchDir>> | undefined;
  const dispose = async () => scratch?.dispose();
  try {
    const annotationFile = await loadAnnotationFile(input.cwd, input.annotationFile);
    const blobs = new Map<string, PreparedBlob>();
    const layers: Descriptor[] = [];
    const titles = new Set<string>();

    for (const [i, file] of input.files.entries()) {
      const title = fileTitle(file.path, input.disablePathValidation);
      if (titles.has(title)) throw new OrasdError(ErrorCodes.InvalidArgument, `duplicate file name ${title}`, { path: file.path });
      titles.add(title);
      const abs = resolvePath(input.cwd, file.path);
      const st = await statInput(abs, file.path);
      let desc: Descriptor;
      let open: () => Readable;
      if (st.isDirectory()) {
        scratch ??= await scratchDir('pack', input.temps);
        const staged = join(scratch.path, `layer-${i}.tar.gz`);
        const t = await tarFolder(abs, title, staged, input.signal);
        desc = {
          mediaType: file.mediaType || MediaTypes.ImageLayerGzip,
          digest: t.digest,
          size: t.size,
          annotations: { [Annotations.ContentDigest]: t.tarDigest, [Annotations.ContentUnpack]: 'true', [Annotations.Title]: title },
        };
        open = () => createReadStream(staged, { highWaterMark: READ_CHUNK });
      } else if (st.isFile()) {
        const d = await digestFile(abs, 'sha256', input.signal, hashProgress(file.path, input.onHashing));
        desc = { mediaType: file.mediaType || MediaTypes.DefaultLayer, digest: d.digest, size: d.size, annotations: { [Annotations.Title]: title } };
        open = () => createReadStream(abs, { highWaterMark: READ_CHUNK });
      } else {
        throw new OrasdError(ErrorCodes.InvalidArgument, `${file.path} is neither a file nor a folder`, { path: file.path });
      }
      const extra = annotationFile[file.path] ?? annotationFile[title];
      if (extra) desc.annotations = { ...desc.annotations, ...extra };
      desc.annotations = sorted(desc.annotations!);
      layers.push(desc);
      if (!blobs.has(desc.digest)) blobs.set(desc.digest, { descriptor: desc, open });
    }

    const manifestAnnotations = { ...annotationFile['$manifest'], ...input.annotations };
    if (manifestAnnotations[Annotations.Created] === undefined) {
      manifestAnnotations[Annotations.Created] = new Date().toISOString().replace(/\.\d{3}Z$/, 'Z');
    } else if (Number.isNaN(Date.parse(manifestAnnotations[Annotations.Created]!))) {
      throw new OrasdError(ErrorCodes.InvalidArgument, `annotation ${Annotations.Created} must be an RFC 3339 date-time`);
    }
    const configAnnotations = annotationFile['$config'];

    let config: Descriptor;
    if (input.artifactType !== undefined) checkMediaType(input.artifactType, 'artifactType');
    if (input.config?.mediaType) checkMediaType(input.config.mediaType, 'config media type');
    let artifactType = input.artifactType;
    const imageSpec = input.imageSpec ?? (input.config && !artifactType && !input.subject ? 'v1.0' : 'v1.1');
    if (input.config) {
      const abs = resolvePath(input.cwd, input.config.path);
      const st = await statInput(abs, input.config.path);
      if (!st.isFile() && !st.isCharacterDevice()) {
        throw new OrasdError(ErrorCodes.InvalidArgument, `config ${input.config.path} is not a file`, { path: input.config.path });
      }
      // Read fully: configs are small, and /dev/null (the 2021 idiom) cannot be re-opened by size.
      const bytes = await readFile(abs);
      config = descriptorOf(input.config.mediaType || MediaTypes.UnknownConfig, bytes);
      if (configAnnotations) config.annotations = sorted(configAnnotations);
      if (!blobs.has(config.digest)) blobs.set(config.digest, { descriptor: config, open: () => bufferStream(bytes) });
    } else if (imageSpec === 'v1.0') {
      const bytes = Buffer.from('{}');
      config = descriptorOf(artifactType || MediaTypes.UnknownConfig, bytes);
      artifactType = undefined;
      if (configAnnotations) config.annotations = sorted(configAnnotations);
      if (!blobs.has(config.digest)) blobs.set(config.digest, { descriptor: config, open: () => bufferStream(bytes) });
    } else {
      config = { ...EmptyJson, ...(configAnnotations ? { annotations: sorted(configAnnotations) } : {}) };
      artifactType ||= MediaTypes.UnknownArtifact;
      if (!blobs.has(config.digest)) blobs.set(config.digest, { descriptor: config, open: () => bufferStream(Buffer.from('{}')) });
    }
    if (imageSpec === 'v1.1' && layers.length === 0) {
      // image-spec 1.1: an artifact without files carries the empty descriptor as its one layer.
      layers.push({ ...EmptyJson });
      if (!blobs.has(EmptyJson.digest)) blobs.set(EmptyJson.digest, { descriptor: { ...EmptyJson }, open: () => bufferStream(Buffer.from('{}')) });
    }
    if (imageSpec === 'v1.0' && input.artifactType && input.config) {
      throw new OrasdError(ErrorCodes.InvalidArgument, 'artifactType cannot be combined with a config file under image-spec v1.0; use imageSpec v1.1');
    }

    const manifest: ImageManifest = {
      schemaVersion: 2,
      mediaType: MediaTypes.ImageManifest,
      ...(imageSpec === 'v1.1' && artifactType ? { artifactType } : {}),
      config,
      layers,
      ...(input.subject ? { subject: input.subject } : {}),
      annotations: sorted(manifestAnnotations),
    };
    const bytes = encodeImageManifest(manifest);
    return {
      manifest: { descriptor: descriptorOf(MediaTypes.ImageManifest, bytes), bytes },
      blobs: [...blobs.values()],
      layers,
      dispose,
    };
  } catch (e) {
    await dispose();
    throw e;
  }
}

/** RFC 6838 type/subtype, the form oras requires of artifact types and config media types. */
const MEDIA_TYPE = /^[A-Za-z0-9][A-Za-z0-9!#$&^_.+-]{0,126}\/[A-Za-z0-9][A-Za-z0-9!#$&^_.+-]{0,126}$/;

function checkMediaType(value: string, what: string): void {
  if (!MEDIA_TYPE.test(value)) {
    throw new OrasdError(ErrorCodes.InvalidArgument, `invalid ${what} "${value.slice(0, 200)}": expected type/subtype, e.g. application/vnd.example+json`, {
      hint: 'in a shell script, check that line continuations (\\) have a space before them',
    });
  }
}

export function bufferStream(bytes: Buffer): Readable {
  return Readable.from([bytes]);
}
