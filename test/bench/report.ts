// Collects what the workloads measured and renders the summary table (stdout) and RESULTS.md.
/** `bounded`: the result is within 10 % of what the harness itself can carry; it measures the harness, not the tools. */
export type Verdict = 'met' | 'MISSED' | 'info' | 'failed' | 'bounded';

export interface SummaryRow {
  id: string;
  workload: string;
  orasd: string;
  oras: string;
  /** How many times better orasd is (>1: orasd faster / fewer), as text. */
  ratio: string;
  target: string;
  verdict: Verdict;
  note?: string;
}

export interface Counts {
  requests: number;
  tokens: number;
  connections: number;
  ms?: number;
}

export interface RequestRow {
  workload: string;
  registry: string;
  op: string;
  oras: Counts;
  orasdCold?: Counts;
  orasdWarm?: Counts;
  verdict: Verdict;
}

export class Report {
  readonly summary: SummaryRow[] = [];
  readonly requests: RequestRow[] = [];
  private readonly sections: { id: string; title: string; lines: string[] }[] = [];
  readonly preamble: string[] = [];
  readonly failures: string[] = [];

  add(row: SummaryRow): void {
    this.summary.push(row);
    process.stdout.write(`${renderSummary([row]).split('\n').slice(2).join('\n')}\n`);
  }

  addRequests(row: RequestRow): void {
    this.requests.push(row);
  }

  section(id: string, title: string): string[] {
    let s = this.sections.find((x) => x.id === id);
    if (!s) {
      s = { id, title, lines: [] };
      this.sections.push(s);
    }
    return s.lines;
  }

  fail(id: string, e: unknown): void {
    const msg = e instanceof Error ? (e.stack ?? e.message) : String(e);
    this.failures.push(`${id}: ${msg}`);
    this.summary.push({ id, workload: 'failed to run', orasd: '–', oras: '–', ratio: '–', target: '–', verdict: 'failed', note: msg.split('\n')[0]!.slice(0, 200) });
  }

  render(): string {
    const out: string[] = [...this.preamble];
    out.push('## Summary', '', renderSummary(this.summary), '');
    out.push('Ratio: how many times faster (or fewer requests) orasd is than `oras` in the same run; below 1.0 orasd is slower.', '');
    if (this.requests.length) {
      out.push('## HTTP requests per operation', '');
      out.push('Counted at the proxy, token fetches included; `tok` = of which token fetches, `conn` = new TLS connections. `oras` is a fresh process per operation; "orasd cold" a daemon started just before the operation (nothing cached), "orasd warm" the same daemon after the same sequence ran once (new artifacts, same repositories).', '');
      out.push(renderRequests(this.requests), '');
    }
    for (const s of this.sections) out.push(`## ${s.title}`, '', ...s.lines, '');
    if (this.failures.length) out.push('## Failures', '', '```', ...this.failures, '```', '');
    return out.join('\n');
  }
}

export function renderSummary(rows: SummaryRow[]): string {
  const head = '| | workload | orasd | oras | ratio | target | result |\n|---|---|---|---|---|---|---|';
  const shown = (v: Verdict) => (v === 'MISSED' ? '**MISSED**' : v === 'bounded' ? 'bounded by the harness' : v);
  const body = rows.map((r) => `| ${r.id} | ${r.workload} | ${r.orasd} | ${r.oras} | ${r.ratio} | ${r.target} | ${shown(r.verdict)}${r.note ? ` — ${r.note}` : ''} |`);
  return [head, ...body].join('\n');
}

const cell = (c?: Counts) => (c ? `${fmt(c.requests)} (tok ${fmt(c.tokens)}, conn ${fmt(c.connections)})${c.ms !== undefined ? `, ${c.ms.toFixed(0)} ms` : ''}` : '–');
const fmt = (n: number) => (Number.isInteger(n) ? String(n) : n.toFixed(1));

export function renderRequests(rows: RequestRow[]): string {
  const head = '| workload | registry | operation | oras | orasd cold | orasd warm | never more / fewer warm |\n|---|---|---|---|---|---|---|';
  const body = rows.map((r) => `| ${r.workload} | ${r.registry} | ${r.op} | ${cell(r.oras)} | ${cell(r.orasdCold)} | ${cell(r.orasdWarm)} | ${r.verdict === 'MISSED' ? '**MISSED**' : r.verdict} |`);
  return [head, ...body].join('\n');
}

export function ratio(orasd: number, oras: number, higherIsBetter = false): string {
  if (!Number.isFinite(orasd) || !Number.isFinite(oras) || orasd === 0 || oras === 0) return '–';
  const r = higherIsBetter ? orasd / oras : oras / orasd;
  return `${r.toFixed(2)}×`;
}
