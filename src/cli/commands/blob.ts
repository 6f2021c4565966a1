import { randomBytes } from 'node:crypto';
import { createWriteStream } from 'node:fs';
import { readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { BlobDeleteResult, BlobFetchResult, BlobPushResult } from '../../../protocol';
import type { CommandDef, Context } from '../command';
import { CliError, isNotFoundError } from '../errors';
import { debugFlag, descriptorFlag, forceFlag, noTtyFlag, prettyFlag, targetFlags, verboseFlag } from '../flagsets';
import { goCompactJson } from '../output/json';
import { plainDescriptor, shortDigest } from '../output/model';
import { display, ensureSelector, parseTarget } from '../targets';
import { confirm } from './confirm';
import { printJson, stdinConflict } from './manifest';

const LAYER = 'application/vnd.oci.image.layer.v1.tar';

const fetchCommand: CommandDef = {
  name: 'fetch',
  aliases: ['get'],
  short: 'Fetch a blob from a registry or an OCI image layout',
  long: `Fetch a blob from a registry or an OCI image layout

Example - Fetch a blob into a file, or only its descriptor:
  oras blob fetch --output blob.tar localhost:5000/hello@sha256:<digest>
  oras blob fetch --descriptor localhost:5000/hello@sha256:<digest>`,
  use: '[flags] {--output <file> | --descriptor} <name>@<digest>',
  args: { exact: 1, text: 'the target blob to fetch' },
  flags: [
    debugFlag,
    noTtyFlag,
    descriptorFlag,
    prettyFlag,
    ...targetFlags(),
    { name: 'output', short: 'o', type: 'string', valueName: 'path', usage: 'output file path, use - for stdout' },
    verboseFlag(false),
  ],
  run: async (c) => {
    const out = c.flags.str('output');
    if (!out && !c.flags.bool('descriptor')) throw new CliError('either `--output` or `--descriptor` must be provided');
    if (out === '-' && c.flags.bool('descriptor')) throw new CliError('`--output -` cannot be used with `--descriptor` at the same time');
    const target = await parseTarget(c, c.args[0]!);
    ensureSelector(c, target, false);
    if (!out) {
      const r = await c.call<BlobFetchResult>('blob/fetch', { ...target.fields, descriptor: true });
      printJson(c, goCompactJson(plainDescriptor(r.descriptor)));
      return;
    }
    if (out === '-') {
      // The launcher's stdout carries text: the blob goes through a scratch file and must be UTF-8.
      const tmp = join(tmpdir(), `orasd-blob-${randomBytes(8).toString('hex')}`);
      try {
        await c.call<BlobFetchResult>('blob/fetch', { ...target.fields, output: tmp });
        const bytes = await readFile(tmp);
        const text = bytes.toString('utf8');
        if (!Buffer.from(text, 'utf8').equals(bytes)) {
          throw new CliError('the blob is binary and the launcher carries text only', { recommendation: 'Use --output <file> to save it' });
        }
        c.out(text);
      } finally {
        await rm(tmp, { force: true });
      }
      return;
    }
    const r = await c.call<BlobFetchResult>('blob/fetch', { ...target.fields, output: out });
    if (c.flags.bool('descriptor')) printJson(c, goCompactJson(plainDescriptor(r.descriptor)));
  },
};

/** Streams the launcher's stdin into a scratch file, checking the size oras requires up front. */
async function stdinToFile(c: Context, size: number): Promise<string> {
  const path = join(tmpdir(), `orasd-stdin-${randomBytes(8).toString('hex')}`);
  const file = createWriteStream(path, { flags: 'wx', mode: 0o600 });
  let total = 0;
  try {
    for (;;) {
      if (c.io.signal.aborted) throw new CliError('context canceled');
      const { data, eof } = await c.io.readStdin(1024 * 1024);
      if (data.length) {
        total += data.length;
        if (total > size) throw new CliError(`stdin holds more than the ${size} bytes given by --size`);
        if (!file.write(data)) await new Promise<void>((r) => file.once('drain', () => r()));
      }
      if (eof) break;
    }
    await new Promise<void>((resolve, reject) => file.end((e?: Error | null) => (e ? reject(e) : resolve())));
    return path;
  } catch (e) {
    file.destroy();
    await rm(path, { force: true });
    throw e;
  }
}

const pushCommand: CommandDef = {
  name: 'push',
  short: 'Push a blob to a registry or an OCI image layout',
  long: `Push a blob to a registry or an OCI image layout

Example - Push a file as a blob, or stdin (size and digest are then required):
  oras blob push localhost:5000/hello blob.tar
  oras blob push --size 12 localhost:5000/hello@sha256:<digest> - < blob.tar

Example - Push and print only the descriptor:
  oras blob push --descriptor localhost:5000/hello blob.tar`,
  use: '[flags] <name>[@digest] <file>',
  args: { exact: 2, text: 'the destination to push to and the file to read blob content from' },
  flags: [
    debugFlag,
    noTtyFlag,
    descriptorFlag,
    prettyFlag,
    ...targetFlags(),
    { name: 'size', type: 'int', default: -1, usage: 'provide the blob size' },
    { name: 'media-type', type: 'string', default: LAYER, usage: 'specify the returned media type in the descriptor if --descriptor is used' },
    verboseFlag(true),
  ],
  run: async (c) => {
    const f = c.flags;
    const fileRef = c.args[1]!;
    const size = f.int('size');
    if (fileRef === '-') {
      stdinConflict(c);
      if (size < 0) throw new CliError('`--size` must be provided if the blob is read from stdin');
    }
    const target = await parseTarget(c, c.args[0]!);
    if (target.selector && !/^[a-z0-9]+(?:[+._-][a-z0-9]+)*:[a-zA-Z0-9=_-]+$/.test(target.selector)) {
      throw new CliError(`invalid digest ${target.selector}: invalid checksum digest format`);
    }
    if (fileRef === '-' && !target.selector) throw new CliError('content digest must be provided if it is read from stdin');
    const mediaType = f.str('media-type') || LAYER;
    const verbose = f.bool('verbose') && !f.bool('descriptor');
    const file = fileRef === '-' ? await stdinToFile(c, size) : fileRef;
    let r: BlobPushResult;
    try {
      r = await c.call<BlobPushResult>('blob/push', { ...target.fields, file, mediaType, ...(size >= 0 ? { size } : {}) });
    } finally {
      if (fileRef === '-') await rm(file, { force: true });
    }
    if (verbose) {
      c.println('Uploading', shortDigest(r.digest), mediaType);
      c.println('Uploaded ', shortDigest(r.digest), mediaType);
    }
    if (f.bool('descriptor')) {
      printJson(c, goCompactJson({ mediaType, digest: r.digest, size: r.size }));
      return;
    }
    c.println('Pushed:', display(target));
    c.println('Digest:', r.digest);
  },
};

const deleteCommand: CommandDef = {
  name: 'delete',
  aliases: ['remove', 'rm'],
  short: 'Delete a blob from a remote registry',
  long: `Delete a blob from a remote registry

Example - Delete a blob, asking for confirmation; without asking:
  oras blob delete localhost:5000/hello@sha256:<digest>
  oras blob delete -f localhost:5000/hello@sha256:<digest>`,
  use: '[flags] <name>@<digest>',
  args: { exact: 1, text: 'the target blob to delete' },
  flags: [debugFlag, forceFlag, descriptorFlag, prettyFlag, ...targetFlags(), verboseFlag(false)],
  run: async (c) => {
    const f = c.flags;
    if (f.bool('descriptor') && !f.bool('force')) throw new CliError('must apply --force to confirm the deletion if the descriptor is outputted');
    const target = await parseTarget(c, c.args[0]!);
    ensureSelector(c, target, false);
    let desc: BlobFetchResult['descriptor'];
    try {
      desc = (await c.call<BlobFetchResult>('blob/fetch', { ...target.fields, descriptor: true })).descriptor;
    } catch (e) {
      if (!isNotFoundError(e)) throw e;
      if (f.bool('force') && !f.bool('descriptor')) {
        c.println('Missing', target.raw);
        return;
      }
      throw new CliError(`${target.raw}: the specified blob does not exist`);
    }
    if (!(await confirm(c, `Are you sure you want to delete the blob "${desc.digest}"?`))) return;
    await c.call<BlobDeleteResult>('blob/delete', { ...target.fields });
    if (f.bool('descriptor')) {
      printJson(c, goCompactJson(plainDescriptor(desc)));
      return;
    }
    c.println('Deleted', display(target));
  },
};

export const blobCommand: CommandDef = {
  name: 'blob',
  short: 'Blob operations',
  subcommands: [deleteCommand, fetchCommand, pushCommand],
};
