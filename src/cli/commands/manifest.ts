import { createHash } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import { resolve as resolvePath } from 'node:path';
import type { Descriptor, ManifestDeleteResult, ManifestFetchConfigResult, ManifestFetchResult, ManifestPushResult, ResolveResult } from '../../../protocol';
import { MediaTypes } from '../../oci/mediatypes';
import type { CommandDef, Context } from '../command';
import { CliError, isNotFoundError, wrapError } from '../errors';
import {
  FORMAT_TEMPLATE,
  FORMAT_TEXT,
  concurrencyFlag,
  debugFlag,
  descriptorFlag,
  forceFlag,
  formatFlags,
  platformFlag,
  prettyFlag,
  targetFlags,
  verboseFlag,
} from '../flagsets';
import { asGoValue, goCompactJson, goPrettyJson, indentJsonText, isJson } from '../output/json';
import { plainDescriptor, shortDigest } from '../output/model';
import { display, ensureSelector, exclusive, parseTarget, readAllStdin } from '../targets';
import { parseFormat, platform } from './common';
import { confirm } from './confirm';

/** oras's Pretty option: JSON re-indented when --pretty, as is otherwise. */
export function printJson(c: Context, text: string): void {
  if (c.flags.bool('pretty')) {
    if (!isJson(text)) throw new CliError('failed to prettify: invalid character in JSON');
    c.out(indentJsonText(text));
  } else c.out(text);
}

const fetchCommand: CommandDef = {
  name: 'fetch',
  aliases: ['get', 'show'],
  short: 'Fetch manifest of the target artifact',
  long: `Fetch manifest of the target artifact

Example - Fetch the raw manifest, or prettified:
  oras manifest fetch localhost:5000/hello:v1
  oras manifest fetch --pretty localhost:5000/hello:v1

Example - Fetch only the descriptor of the manifest:
  oras manifest fetch --descriptor localhost:5000/hello:v1

Example - Write the manifest to a file:
  oras manifest fetch --output manifest.json localhost:5000/hello:v1`,
  use: '[flags] <name>{:<tag>|@<digest>}',
  args: { exact: 1, text: 'the manifest to fetch' },
  flags: [
    debugFlag,
    descriptorFlag,
    prettyFlag,
    platformFlag(),
    ...targetFlags(),
    ...formatFlags([{ name: 'json', usage: 'Print in prettified JSON format' }, FORMAT_TEMPLATE, FORMAT_TEXT], 'text'),
    { name: 'media-type', type: 'stringSlice', usage: 'accepted media types' },
    { name: 'output', short: 'o', type: 'string', valueName: 'path', usage: 'file path to write the fetched manifest to, use - for stdout' },
    verboseFlag(false),
  ],
  run: async (c) => {
    const f = c.flags;
    const out = f.str('output');
    if (out === '-' && f.str('format') !== 'text') throw new CliError(`\`--output -\` cannot be used with \`--format ${f.str('format')}\` at the same time`);
    if (out === '-' && f.bool('descriptor')) throw new CliError('`--descriptor` cannot be used with `--output -` at the same time');
    exclusive(c, 'format', 'pretty');
    exclusive(c, 'format', 'descriptor');
    const format = parseFormat(c, ['json', 'go-template', 'text']);
    const target = await parseTarget(c, c.args[0]!);
    ensureSelector(c, target);
    const mediaTypes = f.list('media-type');
    if (mediaTypes.length && target.type === 'oci-layout') throw new CliError('`--media-type` cannot be used with `--oci-layout` at the same time');
    const plat = platform(c);
    const file = out && out !== '-' ? out : undefined;
    const params = { ...target.fields, ...(plat ? { platform: plat } : {}), ...(mediaTypes.length ? { mediaTypes } : {}) };
    if (format === 'text' && f.bool('descriptor') && !file) {
      const r = await c.call<ManifestFetchResult>('manifest/fetch', { ...params, descriptor: true }).catch((e) => {
        throw wrapError(e, `failed to find "${target.raw}"`);
      });
      printJson(c, goCompactJson(plainDescriptor(r.descriptor)));
      return;
    }
    const r = await c.call<ManifestFetchResult>('manifest/fetch', { ...params, ...(file ? { output: file } : {}) }).catch((e) => {
      throw wrapError(e, `failed to fetch the content of "${target.raw}"`);
    });
    const { reference: _ref, ...desc } = r.descriptor;
    const plain = { mediaType: desc.mediaType, digest: desc.digest, size: desc.size };
    if (format === 'json') {
      c.out(goPrettyJson({ reference: `${target.path}@${desc.digest}`, ...plain, content: contentValue(r.content ?? '') }));
      return;
    }
    if (!file) printJson(c, r.content ?? '');
    if (f.bool('descriptor')) printJson(c, goCompactJson(plain));
  },
};

/** The manifest as oras shows it under "content": decoded into a Go map (keys sorted), null if not JSON. */
function contentValue(text: string): unknown {
  try {
    return asGoValue(JSON.parse(text));
  } catch {
    return null;
  }
}


const fetchConfigCommand: CommandDef = {
  name: 'fetch-config',
  aliases: ['get-config'],
  short: 'Fetch the config of a manifest from a registry or an OCI image layout',
  long: `Fetch the config of a manifest from a registry or an OCI image layout

Example - Fetch the config, or only its descriptor:
  oras manifest fetch-config localhost:5000/hello:v1
  oras manifest fetch-config --descriptor localhost:5000/hello:v1

Example - Write the config to a file:
  oras manifest fetch-config --output config.json localhost:5000/hello:v1`,
  use: '[flags] <name>{:<tag>|@<digest>}',
  args: { exact: 1, text: 'the manifest config to fetch' },
  flags: [
    debugFlag,
    descriptorFlag,
    prettyFlag,
    platformFlag(),
    ...targetFlags(),
    { name: 'output', short: 'o', type: 'string', valueName: 'path', usage: 'file path to write the fetched config to, use - for stdout' },
    verboseFlag(false),
  ],
  run: async (c) => {
    const out = c.flags.str('output');
    if (out === '-' && c.flags.bool('descriptor')) throw new CliError('`--output -` cannot be used with `--descriptor` at the same time');
    const target = await parseTarget(c, c.args[0]!);
    ensureSelector(c, target);
    const plat = platform(c);
    const file = out && out !== '-' ? out : undefined;
    // The config descriptor as the manifest holds it (oras prints it with its "data").
    const m = await c.call<ManifestFetchResult>('manifest/fetch', { ...target.fields, ...(plat ? { platform: plat } : {}) });
    const mt = m.descriptor.mediaType;
    const config = (m.manifest as { config?: Descriptor } | undefined)?.config;
    if ((mt !== MediaTypes.ImageManifest && mt !== MediaTypes.DockerManifest) || !config) {
      throw new CliError(`"${m.descriptor.digest}" is not an image manifest and does not have a config`);
    }
    if (!c.flags.bool('descriptor') || file) {
      const reference = `${target.path}@${m.descriptor.digest}`;
      const r = await c.call<ManifestFetchConfigResult>('manifest/fetchConfig', { ...target.fields, reference, ...(file ? { output: file } : {}) });
      if (!file) {
        if (r.encoding === 'base64') {
          throw new CliError('the config is binary and the launcher carries text only', { recommendation: 'Use --output <file> to save it' });
        }
        printJson(c, r.content ?? '');
      }
    }
    if (c.flags.bool('descriptor')) printJson(c, goCompactJson(plainDescriptor(config)));
  },
};

const pushCommand: CommandDef = {
  name: 'push',
  short: 'Push a manifest to a registry or an OCI image layout',
  long: `Push a manifest to a registry or an OCI image layout

Example - Push a manifest from a file, or from stdin:
  oras manifest push localhost:5000/hello:v1 manifest.json
  oras manifest push localhost:5000/hello:v1 - < manifest.json

Example - Push with several tags, or only print the descriptor:
  oras manifest push localhost:5000/hello:tag1,tag2 manifest.json
  oras manifest push --descriptor localhost:5000/hello:v1 manifest.json`,
  use: '[flags] <name>[:<tag>[,<tag>][...]|@<digest>] <file>',
  args: { exact: 2, text: 'the destination to push to and the file to read manifest content from' },
  flags: [
    debugFlag,
    descriptorFlag,
    prettyFlag,
    ...targetFlags('', '', { distributionSpec: true }),
    { name: 'media-type', type: 'string', usage: 'media type of manifest' },
    concurrencyFlag(5),
    verboseFlag(true),
  ],
  run: async (c) => {
    const f = c.flags;
    const fileRef = c.args[1]!;
    if (fileRef === '-') stdinConflict(c);
    const refs = c.args[0]!.split(',');
    const raw = refs[0]!;
    const extra = refs.slice(1);
    const target = await parseTarget(c, raw);
    let bytes: Buffer;
    try {
      bytes = fileRef === '-' ? await readAllStdin(c, 4 * 1024 * 1024) : await readFile(resolvePath(c.io.cwd, fileRef));
    } catch (e) {
      if (e instanceof CliError) throw e;
      throw new CliError(`failed to read ${fileRef}: ${(e as Error).message}`);
    }
    let mediaType = f.str('media-type');
    if (!mediaType) {
      let parsed: unknown;
      try {
        parsed = JSON.parse(bytes.toString('utf8'));
      } catch (e) {
        throw new CliError(`failed to parse the manifest: ${(e as Error).message}`);
      }
      mediaType = (parsed as { mediaType?: unknown } | null)?.mediaType as string;
      if (typeof mediaType !== 'string' || !mediaType) {
        throw new CliError(`media type is not specified via the flag "--media-type" nor in "${fileRef}"`, {
          usage: c.usageLine,
          recommendation: 'Please specify a valid media type in the manifest JSON or via the "--media-type" flag',
        });
      }
    }
    const digest = `sha256:${createHash('sha256').update(bytes).digest('hex')}`;
    const desc = { mediaType, digest, size: bytes.length };
    const ref = target.selector ? target.fields.reference : `${target.fields.reference as string}@${digest}`;
    // oras skips the upload when the reference already names this very manifest.
    let exists = false;
    try {
      exists = (await c.call<ResolveResult>('resolve', { ...target.fields, reference: ref })).digest === digest;
    } catch (e) {
      if (!isNotFoundError(e)) throw e;
    }
    const verbose = f.bool('verbose') && !f.bool('descriptor');
    const status = (p: string) => verbose && c.println(p, shortDigest(digest), mediaType);
    if (exists) status('Exists   ');
    else status('Uploading');
    const tagged = target.selector && !target.selector.includes(':');
    const reference = extra.length ? (tagged ? `${ref as string},${extra.join(',')}` : `${ref as string}:${extra.join(',')}`) : ref;
    await c.call<ManifestPushResult>('manifest/push', { ...target.fields, reference, content: bytes.toString('utf8'), mediaType });
    if (!exists) status('Uploaded ');
    if (f.bool('descriptor')) {
      printJson(c, goCompactJson(desc));
      return;
    }
    c.println('Pushed:', display(target));
    for (const t of extra) c.println('Tagged', t);
    c.println('Digest:', digest);
  },
};

export function stdinConflict(c: Context): void {
  if (c.flags.changed('password-stdin')) throw new CliError('`-` read file from input and `--password-stdin` read password from input cannot be both used');
  if (c.flags.changed('identity-token-stdin')) throw new CliError('`-` read file from input and `--identity-token-stdin` read identity token from input cannot be both used');
}

const deleteCommand: CommandDef = {
  name: 'delete',
  aliases: ['remove', 'rm'],
  short: 'Delete a manifest from remote registry',
  long: `Delete a manifest from remote registry

Example - Delete a manifest, asking for confirmation; without asking:
  oras manifest delete localhost:5000/hello:v1
  oras manifest delete -f localhost:5000/hello:v1

Example - Delete a manifest and, recursively, every referrer of it (orasd):
  oras manifest delete -f --cascade localhost:5000/hello:v1`,
  use: '[flags] <name>{:<tag>|@<digest>}',
  args: { exact: 1, text: 'the manifest to delete' },
  flags: [
    debugFlag,
    forceFlag,
    descriptorFlag,
    prettyFlag,
    ...targetFlags('', '', { distributionSpec: true }),
    { name: 'cascade', type: 'bool', usage: 'also delete every referrer of the manifest, recursively (orasd extension)' },
    verboseFlag(false),
  ],
  run: async (c) => {
    const f = c.flags;
    if (f.bool('descriptor') && !f.bool('force')) throw new CliError('must apply --force to confirm the deletion if the descriptor is outputted');
    const target = await parseTarget(c, c.args[0]!);
    ensureSelector(c, target);
    let desc: ResolveResult;
    try {
      desc = await c.call<ResolveResult>('resolve', target.fields);
    } catch (e) {
      if (!isNotFoundError(e)) throw e;
      if (f.bool('force') && !f.bool('descriptor')) {
        c.println('Missing', target.raw);
        return;
      }
      throw new CliError(`${target.raw}: the specified manifest does not exist`);
    }
    const what = f.bool('cascade') ? `the manifest "${desc.digest}", every referrer of it and all tags associated with them?` : `the manifest "${desc.digest}" and all tags associated with it?`;
    if (!(await confirm(c, `Are you sure you want to delete ${what}`))) return;
    // By digest, so the manifest confirmed is the one deleted even if the tag moved meanwhile.
    const reference = target.type === 'registry' ? `${target.path}@${desc.digest}` : `${target.fields.reference as string}`;
    try {
      await c.call<ManifestDeleteResult>('manifest/delete', { ...target.fields, reference, ...(f.bool('cascade') ? { cascade: true } : {}) });
    } catch (e) {
      throw wrapError(e, `failed to delete ${target.raw}`);
    }
    if (f.bool('descriptor')) {
      printJson(c, goCompactJson(plainDescriptor(desc)));
      return;
    }
    c.println('Deleted', display(target));
  },
};

export const manifestCommand: CommandDef = {
  name: 'manifest',
  short: 'Manifest operations',
  subcommands: [deleteCommand, fetchCommand, fetchConfigCommand, pushCommand],
};
