/**
 * The one piece of YAML oras prints: `key: value` lines for referrer annotations in
 * `discover --format tree`, made by gopkg.in/yaml.v3. Its scalar style rules are followed so a
 * value a YAML reader would take for a date, number, bool or null is double-quoted, and one that
 * cannot stand plain is single-quoted, as yaml.v3 does.
 */

const OLD_BOOLS = new Set(['y', 'Y', 'yes', 'Yes', 'YES', 'on', 'On', 'ON', 'n', 'N', 'no', 'No', 'NO', 'off', 'Off', 'OFF']);
const NULLS = new Set(['', '~', 'null', 'Null', 'NULL']);
const BOOLS = new Set(['true', 'True', 'TRUE', 'false', 'False', 'FALSE']);
const SPECIAL_FLOATS = new Set(['.inf', '.Inf', '.INF', '+.inf', '+.Inf', '+.INF', '-.inf', '-.Inf', '-.INF', '.nan', '.NaN', '.NAN']);

/** True when yaml.v3 would resolve the plain scalar to something other than a string. */
function resolvesToNonString(s: string): boolean {
  if (NULLS.has(s) || BOOLS.has(s) || OLD_BOOLS.has(s) || SPECIAL_FLOATS.has(s)) return true;
  const plain = s.replace(/_/g, '');
  if (/^[-+]?(0b[01]+|0o?[0-7]+|0x[0-9a-fA-F]+|[0-9]+)$/.test(plain)) return true;
  if (/^[-+]?(\.[0-9]+|[0-9]+(\.[0-9]*)?)([eE][-+]?[0-9]+)?$/.test(s)) return true;
  // base-60 floats (YAML 1.1), which yaml.v3 still quotes
  if (/^[-+]?[0-9][0-9_]*(?::[0-5]?[0-9])+(?:\.[0-9_]*)?$/.test(s)) return true;
  // timestamps: a date, optionally with a time
  if (/^\d{4}-\d{1,2}-\d{1,2}(?:(?:[Tt]|\s+)\d{1,2}:\d{1,2}:\d{1,2}(?:\.\d*)?(?:\s*(?:Z|[-+]\d{1,2}(?::?\d{2})?))?)?$/.test(s)) return true;
  return false;
}

/** True when the YAML emitter lets the scalar stand plain in block context. */
function plainAllowed(s: string): boolean {
  if (s.length === 0) return false;
  if (s.startsWith('---') || s.startsWith('...')) return false;
  if (/^\s|\s$/.test(s)) return false;
  if (/[\x00-\x1f\x7f\ufeff]/.test(s)) return false;
  const first = s[0]!;
  if ('#,[]{}&*!|>\'"%@`'.includes(first)) return false;
  if ('-?:'.includes(first) && (s.length === 1 || /\s/.test(s[1]!))) return false;
  if (/:(\s|$)/.test(s) || /\s#/.test(s)) return false;
  return true;
}

function doubleQuoted(s: string): string {
  return JSON.stringify(s);
}

export function yamlScalar(s: string): string {
  if (resolvesToNonString(s)) return doubleQuoted(s);
  if (plainAllowed(s)) return s;
  if (/[\x00-\x1f\x7f\ufeff]/.test(s)) return doubleQuoted(s);
  return `'${s.replace(/'/g, "''")}'`;
}

/** `yaml.Marshal(map[string]string{k: v})` without its trailing newline. */
export function yamlPair(key: string, value: string): string {
  return `${yamlScalar(key)}: ${yamlScalar(value)}`;
}
