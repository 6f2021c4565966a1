/**
 * JSON as oras (Go's encoding/json) writes it, so `--format json` output compares byte for byte:
 * struct fields in declaration order (objects here keep insertion order), map keys sorted, `<`,
 * `>`, `&`, U+2028 and U+2029 escaped, two-space indentation, a trailing newline.
 */

/** Marks a plain object whose keys Go would sort (a Go map). */
const GO_MAP = Symbol('goMap');

export type GoMap = Record<string, unknown> & { [GO_MAP]?: true };

/** Wraps a record (annotations, parsed manifests) that Go holds as a map: its keys get sorted. */
export function goMap<T extends Record<string, unknown>>(record: T): T {
  return Object.assign(Object.create(null) as object, record, { [GO_MAP]: true }) as T;
}

export function goString(s: string): string {
  return JSON.stringify(s).replace(/[<>&\u2028\u2029]/g, (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`);
}

function encode(v: unknown, indent: string, step: string): string {
  if (v === null || v === undefined) return 'null';
  if (typeof v === 'string') return goString(v);
  if (typeof v === 'number') return Number.isFinite(v) ? String(v) : 'null';
  if (typeof v === 'boolean') return v ? 'true' : 'false';
  const inner = indent + step;
  const nl = step ? '\n' : '';
  const colon = step ? ': ' : ':';
  if (Array.isArray(v)) {
    if (v.length === 0) return '[]';
    return `[${nl}${v.map((x) => inner + encode(x, inner, step)).join(`,${nl}`)}${nl}${indent}]`;
  }
  const obj = v as Record<string, unknown>;
  let keys = Object.keys(obj).filter((k) => obj[k] !== undefined);
  if ((obj as GoMap)[GO_MAP]) keys = keys.sort((a, b) => (a < b ? -1 : a > b ? 1 : 0));
  if (keys.length === 0) return '{}';
  return `{${nl}${keys.map((k) => `${inner}${goString(k)}${colon}${encode(obj[k], inner, step)}`).join(`,${nl}`)}${nl}${indent}}`;
}

/** Go's json.Encoder with SetIndent("", "  "): indented, newline-terminated. */
export function goPrettyJson(v: unknown): string {
  return `${encode(v, '', '  ')}\n`;
}

/** Go's json.Marshal: compact, no newline. */
export function goCompactJson(v: unknown): string {
  return encode(v, '', '');
}

/** A JSON value as Go holds it after decoding into `any`: every object a map (keys sorted on output). */
export function asGoValue(v: unknown): unknown {
  if (Array.isArray(v)) return v.map(asGoValue);
  if (v && typeof v === 'object') return goMap(Object.fromEntries(Object.entries(v).map(([k, x]) => [k, asGoValue(x)])));
  return v;
}

/**
 * Go's json.Indent(dst, src, "", "  ") plus a newline: re-indents JSON text without reordering
 * or re-encoding anything (numbers and escapes stay exactly as the registry stored them).
 */
export function indentJsonText(src: string): string {
  let out = '';
  let depth = 0;
  let inString = false;
  let needIndent = false;
  const newline = () => `\n${'  '.repeat(depth)}`;
  for (let i = 0; i < src.length; i++) {
    const c = src[i]!;
    if (inString) {
      out += c;
      if (c === '\\') out += src[++i] ?? '';
      else if (c === '"') inString = false;
      continue;
    }
    if (c === ' ' || c === '\t' || c === '\n' || c === '\r') continue;
    if (needIndent && c !== ']' && c !== '}') {
      out += newline();
      needIndent = false;
    }
    switch (c) {
      case '{':
      case '[':
        out += c;
        depth++;
        needIndent = true;
        break;
      case '}':
      case ']':
        depth--;
        if (needIndent) needIndent = false; // empty container stays "{}" / "[]"
        else out += newline();
        out += c;
        break;
      case ',':
        out += c + newline();
        break;
      case ':':
        out += ': ';
        break;
      case '"':
        inString = true;
        out += c;
        break;
      default:
        out += c;
    }
  }
  return `${out}\n`;
}

/** True when text parses as JSON (json.Indent fails on anything else). */
export function isJson(text: string): boolean {
  try {
    JSON.parse(text);
    return true;
  } catch {
    return false;
  }
}
