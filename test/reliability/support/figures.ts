// Figures the reliability tests measure, written as JSON under test/.tmp/reliability/ (git-ignored)
// for report.ts to render into test/RELIABILITY.md.
import { mkdirSync, readFileSync, readdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { repoRoot } from '../../registries/harness';

export const SOAK = process.env.ORASD_SOAK === '1';

/** Where figures go: the soak's apart from npm test's, so the report can show both. */
export function figuresDir(soak = SOAK): string {
  return join(repoRoot(), 'test', '.tmp', soak ? 'reliability-soak' : 'reliability');
}

export interface Figures {
  /** Which test file measured them, and when. */
  source: string;
  at: string;
  soak: boolean;
  [key: string]: unknown;
}


export function recordFigures(name: string, source: string, figures: Record<string, unknown>): void {
  const dir = figuresDir();
  mkdirSync(dir, { recursive: true });
  const out: Figures = { source, at: new Date().toISOString(), soak: SOAK, ...figures };
  writeFileSync(join(dir, `${name}.json`), `${JSON.stringify(out, null, 2)}\n`);
}

export function readAllFigures(soak = false): Record<string, Figures> {
  const dir = figuresDir(soak);
  const out: Record<string, Figures> = {};
  let names: string[];
  try {
    names = readdirSync(dir);
  } catch {
    return out;
  }
  for (const f of names.filter((n) => n.endsWith('.json')).sort()) {
    out[f.slice(0, -5)] = JSON.parse(readFileSync(join(dir, f), 'utf8')) as Figures;
  }
  return out;
}

/** No reliability test may wait for ever: a request that never answers fails its test instead. */
export const TEST_TIMEOUT_MS = SOAK ? 1_800_000 : 300_000;
