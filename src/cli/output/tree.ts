/**
 * `oras discover` in tree form: the subject (`<path>@<digest>`), its referrers grouped under their
 * artifact type, each referrer's annotations, then its own referrers, drawn with box characters
 * as oras's internal/tree printer draws them.
 */
import type { DiscoverNode } from '../../../protocol';
import { yamlPair } from './yaml';

interface TreeNode {
  value: string;
  children: TreeNode[];
}

/** Adds a chain of values, reusing children that already carry a value (oras's AddPath). */
function addPath(node: TreeNode, ...values: string[]): TreeNode {
  let cur = node;
  for (const v of values) {
    let next = cur.children.find((c) => c.value === v);
    if (!next) {
      next = { value: v, children: [] };
      cur.children.push(next);
    }
    cur = next;
  }
  return cur;
}

function render(n: TreeNode, prefix: string, out: string[]): void {
  out.push(`${n.value}\n`);
  n.children.forEach((child, i) => {
    const last = i === n.children.length - 1;
    out.push(prefix + (last ? '└── ' : '├── '));
    render(child, prefix + (last ? '    ' : '│   '), out);
  });
}

const COLORS = { artifactType: '\x1b[93m', digest: '\x1b[32m', annotations: '\x1b[90m' };
const paint = (color: string, s: string, on: boolean) => (on ? `${color}${s}\x1b[0m` : s);

/** `verbose` (oras's default) adds the annotations; `color` is oras's behaviour when stderr is a terminal. */
export function discoverTree(path: string, root: DiscoverNode, opts: { verbose: boolean; color: boolean }): string {
  const top: TreeNode = { value: paint(COLORS.digest, `${path}@${root.digest}`, opts.color), children: [] };
  const walk = (subject: TreeNode, referrers: DiscoverNode[]) => {
    for (const r of referrers) {
      const type = paint(COLORS.artifactType, r.artifactType || '<unknown>', opts.color);
      const node = addPath(subject, type, paint(COLORS.digest, r.digest, opts.color));
      const annotations = Object.entries(r.annotations ?? {}).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
      if (opts.verbose && annotations.length) {
        const holder: TreeNode = { value: paint(COLORS.annotations, '[annotations]', opts.color), children: [] };
        node.children.push(holder);
        for (const [k, v] of annotations) addPath(holder, yamlPair(k, v));
      }
      walk(node, r.referrers ?? []);
    }
  };
  walk(top, root.referrers ?? []);
  const out: string[] = [];
  render(top, '', out);
  return out.join('');
}
