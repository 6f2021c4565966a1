/** Help screens laid out as cobra lays them out for oras (description, Usage, Aliases, commands, Flags). */
import { HELP_FLAG, type FlagSpec } from './args';
import type { CommandDef } from './command';

function typeName(f: FlagSpec): string {
  if (f.valueName) return f.valueName;
  switch (f.type) {
    case 'bool':
      return '';
    case 'stringSlice':
      return 'strings';
    default:
      return f.type;
  }
}

function defaultText(f: FlagSpec): string {
  if (f.default === undefined || f.default === false || f.default === '' || f.default === 0) return '';
  if (f.type === 'string') return ` (default "${f.default}")`;
  return ` (default ${f.default})`;
}

/** pflag's FlagUsages: sorted by name, usage column aligned, continuation lines indented. */
export function flagUsages(flags: FlagSpec[]): string {
  const shown = flags.filter((f) => !f.hidden).sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
  const lefts = shown.map((f) => {
    const t = typeName(f);
    return `${f.short ? `  -${f.short}, --${f.name}` : `      --${f.name}`}${t ? ` ${t}` : ''}`;
  });
  const width = Math.max(0, ...lefts.map((l) => l.length));
  return shown
    .map((f, i) => {
      const usage = `${f.usage}${defaultText(f)}`.replace(/\n/g, `\n${' '.repeat(width + 3)}`);
      return `${lefts[i]!.padEnd(width)}   ${usage}\n`;
    })
    .join('');
}

export function helpText(def: CommandDef, path: string): string {
  const about = def.long ?? def.short;
  let s = `${about ? `${about}\n\n` : ''}Usage:\n`;
  if (def.run) s += `  ${path} ${def.use ?? ''}`.trimEnd() + '\n';
  if (def.subcommands?.length) s += `  ${path} [command]\n`;
  if (def.aliases?.length) s += `\nAliases:\n  ${[def.name, ...def.aliases].join(', ')}\n`;
  if (def.subcommands?.length) {
    const pad = Math.max(11, ...def.subcommands.map((c) => c.name.length));
    s += '\nAvailable Commands:\n';
    for (const c of [...def.subcommands].sort((a, b) => (a.name < b.name ? -1 : 1))) s += `  ${c.name.padEnd(pad)} ${c.short}\n`;
  }
  const help = { ...HELP_FLAG, usage: `help for ${def.name}` };
  s += `\nFlags:\n${flagUsages([...(def.flags ?? []), help])}`;
  if (def.subcommands?.length) s += `\nUse "${path} [command] --help" for more information about a command.\n`;
  return s;
}
