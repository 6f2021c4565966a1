import type { RepoListResult, RepoTagsResult, ResolveResult } from '../../../protocol';
import type { CommandDef } from '../command';
import { FORMAT_JSON, FORMAT_TEMPLATE, FORMAT_TEXT, debugFlag, formatFlags, remoteFlags, targetFlags, verboseFlag } from '../flagsets';
import { goPrettyJson } from '../output/json';
import { parseTarget, remoteFields, warnInsecureSecret } from '../targets';
import { parseFormat } from './common';

const lsCommand: CommandDef = {
  name: 'ls',
  aliases: ['list'],
  short: 'List the repositories under the registry',
  long: `List the repositories under the registry

Example - List the repositories of a registry, or under a namespace:
  oras repo ls localhost:5000
  oras repo ls localhost:5000/example-namespace`,
  use: '[flags] <registry>',
  args: { exact: 1, text: 'the target registry to list repositories from' },
  flags: [
    debugFlag,
    ...remoteFlags(),
    { name: 'last', type: 'string', valueName: 'last', usage: 'start after the repository specified by last' },
    ...formatFlags([FORMAT_JSON, FORMAT_TEMPLATE, FORMAT_TEXT], 'text'),
    verboseFlag(false),
  ],
  run: async (c) => {
    const format = parseFormat(c, ['json', 'go-template', 'text']);
    const arg = c.args[0]!.replace(/\/+$/, '');
    const slash = arg.indexOf('/');
    const host = slash < 0 ? arg : arg.slice(0, slash);
    const namespace = slash < 0 ? '' : arg.slice(slash + 1);
    warnInsecureSecret(c);
    let r: RepoListResult;
    try {
      r = await c.call<RepoListResult>('repo/list', { reference: arg, ...remoteFields(c), ...(c.flags.str('last') ? { last: c.flags.str('last') } : {}) });
    } catch (e) {
      const what = namespace ? `could not list repositories for "${host}" with prefix "${namespace}"` : `could not list repositories for "${host}"`;
      if (e instanceof Error) e.message = `${what}\n${e.message}`;
      throw e;
    }
    if (format === 'json') {
      const full = r.repositories.map((x) => (namespace ? `${namespace}/${x}` : x));
      c.out(goPrettyJson({ registry: host, repositories: full }));
      return;
    }
    for (const repo of r.repositories) c.out(`${repo}\n`);
  },
};

const tagsCommand: CommandDef = {
  name: 'tags',
  aliases: ['show-tags'],
  short: 'Show tags of the target repository',
  long: `Show tags of the target repository

Example - Show the tags of a repository, without referrers fallback tags:
  oras repo tags localhost:5000/hello
  oras repo tags --exclude-digest-tags localhost:5000/hello

Example - [Experimental] Show the tags pointing to the same manifest as 'v1':
  oras repo tags localhost:5000/hello:v1`,
  use: '[flags] <name>',
  args: { exact: 1, text: 'the target repository to list tags from' },
  flags: [
    debugFlag,
    ...targetFlags(),
    { name: 'last', type: 'string', valueName: 'last', usage: 'start after the tag specified by last' },
    { name: 'exclude-digest-tags', type: 'bool', usage: "[Preview] exclude all digest-like tags such as 'sha256-aaaa...'" },
    ...formatFlags([FORMAT_JSON, FORMAT_TEMPLATE, FORMAT_TEXT], 'text'),
    verboseFlag(false),
  ],
  run: async (c) => {
    const format = parseFormat(c, ['json', 'go-template', 'text']);
    const target = await parseTarget(c, c.args[0]!);
    const f = c.flags;
    // A tag or digest in the argument: only the tags pointing at that manifest (oras's experimental filter).
    let wanted: string | undefined;
    if (target.selector) {
      wanted = /^[a-z0-9]+:/.test(target.selector) ? target.selector : (await c.call<ResolveResult>('resolve', target.fields)).digest;
      c.err(`[Experimental] querying tags associated to ${wanted}, it may take a while...\n`);
    }
    const repoRef = target.type === 'registry' ? target.path : (target.fields.reference as string).replace(/[:@][^/]*$/, '');
    const r = await c.call<RepoTagsResult>('repo/tags', {
      ...target.fields,
      reference: target.type === 'registry' ? target.path : repoRef,
      ...(f.str('last') ? { last: f.str('last') } : {}),
      ...(f.bool('exclude-digest-tags') ? { excludeDigestTags: true } : {}),
    });
    let tags = r.tags;
    if (wanted) {
      const keep: string[] = [];
      for (const t of tags) {
        if (t === target.selector) keep.push(t);
        else {
          const base = target.type === 'registry' ? `${target.path}:${t}` : `${repoRef}:${t}`;
          const d = await c.call<ResolveResult>('resolve', { ...target.fields, reference: base });
          if (d.digest === wanted) keep.push(t);
        }
      }
      tags = keep;
    }
    if (format === 'json') {
      c.out(goPrettyJson({ tags }));
      return;
    }
    for (const t of tags) c.out(`${t}\n`);
  },
};

export const repoCommand: CommandDef = {
  name: 'repo',
  aliases: ['repository'],
  short: 'Repository operations',
  subcommands: [lsCommand, tagsCommand],
};
