import type { ResolveResult, TagResult } from '../../../protocol';
import type { CommandDef } from '../command';
import { CliError, wrapError } from '../errors';
import { concurrencyFlag, debugFlag, platformFlag, targetFlags, verboseFlag } from '../flagsets';
import { ensureSelector, parseTarget } from '../targets';
import { platform } from './common';

export const tagCommand: CommandDef = {
  name: 'tag',
  short: 'Tag a manifest in a registry or an OCI image layout',
  long: `Tag a manifest in a registry or an OCI image layout

Example - Give the manifest tagged 'v1' the tags 'v2' and 'latest':
  oras tag localhost:5000/hello:v1 v2 latest

Example - Tag a manifest named by digest:
  oras tag localhost:5000/hello@sha256:<digest> v1`,
  use: '[flags] <name>{:<tag>|@<digest>} <new_tag> [...]',
  args: { min: 1, text: 'the artifact to be retagged and the tags to be added' },
  flags: [debugFlag, ...targetFlags(), concurrencyFlag(5), verboseFlag(false)],
  run: async (c) => {
    if (c.args[0] === 'list' || c.args[0] === 'ls') {
      throw new CliError('there is no "list" sub-command for "oras tag" command', {
        usage: c.usageLine,
        recommendation: `If you want to list available tags in ${c.flags.bool('oci-layout') ? 'an OCI image layout' : 'a repository'}, use "oras repo tags"`,
      });
    }
    let target;
    try {
      target = await parseTarget(c, c.args[0]!);
    } catch (e) {
      if (e instanceof CliError) throw new CliError(`unable to add tag for '${c.args[0]}': ${e.message}`, { ...(e.recommendation ? { recommendation: e.recommendation } : {}) });
      throw e;
    }
    ensureSelector(c, target);
    const tags = c.args.slice(1);
    if (tags.length === 0) return;
    const r = await c.call<TagResult>('tag', { ...target.fields, tags });
    c.println('Tagging', `[${target.type}] ${target.path}@${r.digest}`);
    for (const t of tags) c.println('Tagged', t);
  },
};

export const resolveCommand: CommandDef = {
  name: 'resolve',
  aliases: ['digest'],
  short: '[Preview] Resolves digest of the target artifact',
  long: `[Preview] Resolves digest of the target artifact

Example - Print the digest of the manifest tagged 'v1', or the full reference:
  oras resolve localhost:5000/hello:v1
  oras resolve --full-reference localhost:5000/hello:v1`,
  use: '[flags] <name>{:<tag>|@<digest>}',
  args: { exact: 1, text: 'the target artifact reference to resolve' },
  flags: [
    debugFlag,
    ...targetFlags(),
    platformFlag(),
    { name: 'full-reference', short: 'l', type: 'bool', usage: 'print the full artifact reference with digest' },
    verboseFlag(false),
  ],
  run: async (c) => {
    const target = await parseTarget(c, c.args[0]!);
    ensureSelector(c, target);
    const plat = platform(c);
    let r: ResolveResult;
    try {
      r = await c.call<ResolveResult>('resolve', { ...target.fields, ...(plat ? { platform: plat } : {}) });
    } catch (e) {
      throw wrapError(e, 'failed to resolve digest');
    }
    c.out(c.flags.bool('full-reference') ? `${target.path}@${r.digest}\n` : `${r.digest}\n`);
  },
};
