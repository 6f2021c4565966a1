/** Option parsing several commands share: output format, file references, annotations. */
import { isAbsolute, posix } from 'node:path';
import type { Context } from '../command';
import { CliError } from '../errors';

/**
 * oras's Format option: `--format <type>` (or `go-template=<t>`); `allowed` lists the other types
 * first and the default last, the order oras's error message uses.
 */
export function parseFormat(c: Context, allowed: string[]): string {
  let type = c.flags.str('format');
  const template = c.flags.str('template');
  if (template && type !== 'go-template') throw new CliError('--template must be used with --format go-template');
  if (type.startsWith('go-template=')) type = 'go-template';
  if (type === 'table') c.err('Format "table" is deprecated and will be removed in a future release.\n');
  if (!allowed.includes(type)) {
    throw new CliError(`invalid format type: "${type}"`, { recommendation: `supported types: ${allowed.join(', ')}` });
  }
  if (type === 'go-template') {
    if (!template && !c.flags.str('format').startsWith('go-template=')) {
      throw new CliError('"go-template" format specified but no template given', { recommendation: 'use `--format go-template=TEMPLATE` to specify the template' });
    }
    throw new CliError('--format go-template is not supported by orasd', { recommendation: 'use --format json and a JSON tool such as jq' });
  }
  return type;
}

/** oras's fileref.Parse: the last ":" separates the path from an optional media type. */
export function parseFileRef(ref: string, defaultType = ''): { path: string; mediaType: string } {
  const i = ref.lastIndexOf(':');
  const path = i < 0 ? ref : ref.slice(0, i);
  const mediaType = i < 0 ? defaultType : ref.slice(i + 1);
  if (!path) throw new CliError(`found empty file path in "${ref}"`);
  return { path, mediaType };
}

/** The name oras shows for a file it packs: the cleaned path, forward slashes. */
export function fileDisplayName(path: string): string {
  if (isAbsolute(path)) return posix.normalize(path);
  return posix.normalize(path.replace(/\\/g, '/')).replace(/(.)\/+$/, '$1');
}

export interface PackArgs {
  files: { path: string; mediaType?: string }[];
  annotations?: Record<string, string>;
  annotationFile?: string;
  exportManifest?: string;
  disablePathValidation?: boolean;
}

/** oras's Packer option: file references, path validation and annotations. */
export function packArgs(c: Context, fileRefs: string[]): PackArgs {
  const files = fileRefs.map((r) => parseFileRef(r));
  const disable = c.flags.bool('disable-path-validation');
  if (!disable) {
    const abs = files.filter((f) => isAbsolute(f.path)).map((f) => f.path);
    if (abs.length) {
      throw new CliError(`absolute file path detected. If it's intentional, use --disable-path-validation flag to skip this check: ${abs.join(', ')}`);
    }
  }
  const raw = c.flags.list('annotation');
  const annotationFile = c.flags.str('annotation-file');
  if (annotationFile && raw.length) throw new CliError('`--annotation` and `--annotation-file` cannot be both specified');
  let annotations: Record<string, string> | undefined;
  if (raw.length) {
    annotations = {};
    for (const a of raw) {
      const eq = a.indexOf('=');
      if (eq < 0) {
        throw new CliError("annotation value doesn't match the required format", {
          recommendation: 'Please use the correct format in the flag: --annotation "key=value"',
        });
      }
      const key = a.slice(0, eq);
      if (Object.prototype.hasOwnProperty.call(annotations, key)) throw new CliError(`duplicate annotation key: ${key}, `);
      annotations[key] = a.slice(eq + 1);
    }
  }
  return {
    files: files.map((f) => ({ path: f.path, ...(f.mediaType ? { mediaType: f.mediaType } : {}) })),
    ...(annotations ? { annotations } : {}),
    ...(annotationFile ? { annotationFile } : {}),
    ...(c.flags.str('export-manifest') ? { exportManifest: c.flags.str('export-manifest') } : {}),
    ...(disable ? { disablePathValidation: true } : {}),
  };
}

/** The engine takes 1..64 parallel transfers; oras lets any number through. */
export function concurrency(c: Context): number | undefined {
  if (!c.flags.changed('concurrency')) return undefined;
  return Math.min(64, Math.max(1, c.flags.int('concurrency')));
}

/** oras's --platform syntax check (the engine parses it again). */
export function platform(c: Context): string | undefined {
  const p = c.flags.str('platform');
  if (!p) return undefined;
  const [os, arch, ...more] = p.split(':')[0]!.split('/');
  if (more.length > 1) throw new CliError(`failed to parse platform "${p}": expected format os[/arch[/variant]]`);
  if (!os) throw new CliError('invalid platform: OS cannot be empty');
  if (arch === '') throw new CliError('invalid platform: Architecture cannot be empty');
  return p;
}
