/**
 * A flag parser with the rules of spf13/pflag, which oras (through cobra) uses, because scripts
 * written for oras depend on them: flags anywhere among the arguments, `--flag=value` and
 * `--flag value`, combined short booleans (`-rf`), a short flag's value glued on (`-ofolder`),
 * repeatable flags, `--` ending the options, and pflag's exact error texts.
 * node's util.parseArgs cannot express several of these (glued values, bool `--x=false`,
 * comma-separated slices, pflag's messages), hence this small parser.
 */

export type FlagType = 'bool' | 'string' | 'stringArray' | 'stringSlice' | 'int';

export interface FlagSpec {
  name: string;
  short?: string;
  type: FlagType;
  usage: string;
  /** Shown in help as the value's name (pflag's back-quoted word), e.g. `path`. */
  valueName?: string;
  default?: string | boolean | number;
  /** Hidden from help (deprecated flags, orasd-internal aliases). */
  hidden?: boolean;
  /** cobra prints "Flag --x has been deprecated, <text>" to stderr when the flag is used. */
  deprecated?: string;
  /** Checks a value as pflag's Value.Set would; returns the error text. */
  validate?: (value: string) => string | undefined;
}

export type FlagValue = string | boolean | number | string[];

export class UsageError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'UsageError';
  }
}

export interface ParsedFlags {
  /** Every flag by name: its value, or its default. */
  values: Map<string, FlagValue>;
  /** Flags the user gave (pflag's Changed). */
  changed: Set<string>;
  args: string[];
  help: boolean;
  /** Deprecated flags used, in order, for the warnings cobra prints. */
  deprecatedUsed: FlagSpec[];
}

export const HELP_FLAG: FlagSpec = { name: 'help', short: 'h', type: 'bool', usage: 'help for' };

function defaultOf(spec: FlagSpec): FlagValue {
  if (spec.default !== undefined) return spec.default;
  switch (spec.type) {
    case 'bool':
      return false;
    case 'int':
      return 0;
    case 'string':
      return '';
    default:
      return [];
  }
}

/** The flag as pflag names it in "invalid argument" errors: `-f, --force` or `--force`. */
function displayName(spec: FlagSpec): string {
  return spec.short ? `-${spec.short}, --${spec.name}` : `--${spec.name}`;
}

/** Go's strconv.ParseBool. */
function parseBool(v: string): boolean | undefined {
  if (['1', 't', 'T', 'TRUE', 'true', 'True'].includes(v)) return true;
  if (['0', 'f', 'F', 'FALSE', 'false', 'False'].includes(v)) return false;
  return undefined;
}

/** pflag's stringSlice reads its value as one CSV record. */
export function splitCsv(v: string): string[] {
  if (v === '') return [];
  const out: string[] = [];
  let cur = '';
  let quoted = false;
  for (let i = 0; i < v.length; i++) {
    const c = v[i]!;
    if (quoted) {
      if (c === '"' && v[i + 1] === '"') {
        cur += '"';
        i++;
      } else if (c === '"') quoted = false;
      else cur += c;
    } else if (c === '"' && cur === '') quoted = true;
    else if (c === ',') {
      out.push(cur);
      cur = '';
    } else cur += c;
  }
  out.push(cur);
  return out;
}

export function parseFlags(argv: readonly string[], specs: readonly FlagSpec[]): ParsedFlags {
  const all = [...specs, HELP_FLAG];
  const byName = new Map(all.map((s) => [s.name, s]));
  const byShort = new Map(all.filter((s) => s.short).map((s) => [s.short!, s]));
  const values = new Map<string, FlagValue>(all.map((s) => [s.name, defaultOf(s)]));
  const changed = new Set<string>();
  const deprecatedUsed: FlagSpec[] = [];
  const args: string[] = [];

  const set = (spec: FlagSpec, raw: string): void => {
    const invalid = (why: string) => new UsageError(`invalid argument "${raw}" for "${displayName(spec)}" flag: ${why}`);
    const problem = spec.validate?.(raw);
    if (problem !== undefined) throw invalid(problem);
    const first = !changed.has(spec.name);
    switch (spec.type) {
      case 'bool': {
        const b = parseBool(raw);
        if (b === undefined) throw invalid(`strconv.ParseBool: parsing "${raw}": invalid syntax`);
        values.set(spec.name, b);
        break;
      }
      case 'int': {
        if (!/^[+-]?\d+$/.test(raw)) throw invalid(`strconv.ParseInt: parsing "${raw}": invalid syntax`);
        values.set(spec.name, Number.parseInt(raw, 10));
        break;
      }
      case 'string':
        values.set(spec.name, raw);
        break;
      case 'stringArray':
        values.set(spec.name, [...(first ? [] : (values.get(spec.name) as string[])), raw]);
        break;
      case 'stringSlice':
        values.set(spec.name, [...(first ? [] : (values.get(spec.name) as string[])), ...splitCsv(raw)]);
        break;
    }
    if (first && spec.deprecated !== undefined) deprecatedUsed.push(spec);
    changed.add(spec.name);
  };

  let i = 0;
  while (i < argv.length) {
    const a = argv[i++]!;
    if (a === '--') {
      args.push(...argv.slice(i));
      break;
    }
    if (a.startsWith('--')) {
      const eq = a.indexOf('=');
      const name = eq < 0 ? a.slice(2) : a.slice(2, eq);
      const spec = byName.get(name);
      if (!spec) throw new UsageError(`unknown flag: --${name}`);
      if (eq >= 0) set(spec, a.slice(eq + 1));
      else if (spec.type === 'bool') set(spec, 'true');
      else if (i < argv.length) set(spec, argv[i++]!);
      else throw new UsageError(`flag needs an argument: --${name}`);
      continue;
    }
    if (a.startsWith('-') && a.length > 1) {
      // A run of shorthands: booleans combine; the first one taking a value consumes the rest.
      let rest = a.slice(1);
      while (rest.length) {
        const c = rest[0]!;
        const spec = byShort.get(c);
        if (!spec) throw new UsageError(`unknown shorthand flag: '${c}' in ${a}`);
        if (rest.length > 2 && rest[1] === '=') {
          set(spec, rest.slice(2));
          rest = '';
        } else if (spec.type === 'bool') {
          set(spec, 'true');
          rest = rest.slice(1);
        } else if (rest.length > 1) {
          set(spec, rest.slice(1));
          rest = '';
        } else if (i < argv.length) {
          set(spec, argv[i++]!);
          rest = '';
        } else {
          throw new UsageError(`flag needs an argument: '${c}' in -${c}`);
        }
      }
      continue;
    }
    args.push(a);
  }
  return { values, changed, args, help: values.get('help') === true, deprecatedUsed };
}

/** Typed reads of parsed flags. */
export class Flags {
  constructor(readonly parsed: ParsedFlags) {}
  str(name: string): string {
    return (this.parsed.values.get(name) as string | undefined) ?? '';
  }
  bool(name: string): boolean {
    return this.parsed.values.get(name) === true;
  }
  int(name: string): number {
    return (this.parsed.values.get(name) as number | undefined) ?? 0;
  }
  list(name: string): string[] {
    return (this.parsed.values.get(name) as string[] | undefined) ?? [];
  }
  changed(name: string): boolean {
    return this.parsed.changed.has(name);
  }
  /** A string flag's value when given, else undefined. */
  opt(name: string): string | undefined {
    return this.changed(name) ? this.str(name) : undefined;
  }
}
