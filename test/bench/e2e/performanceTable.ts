/**
 * The table of issue 16 (figure | measured | ceiling | ratio | goal) and the figures in it: each
 * measured figure beside the raw ceiling measured in the same run, as a ratio.
 */

/** One row of the table; cells are display text. */
export interface PerformanceRow {
  readonly figure: string;
  readonly measured: string;
  readonly ceiling: string;
  readonly ratio: string;
  readonly goal: string;
}

const HEADER: PerformanceRow = { figure: 'figure', measured: 'measured', ceiling: 'ceiling (same run)', ratio: 'ratio', goal: 'goal' };
const COLUMNS = ['figure', 'measured', 'ceiling', 'ratio', 'goal'] as const;

/** A Markdown cell: pipes escaped, line breaks flattened. */
function cell(text: string): string {
  return text.replace(/\|/g, '\\|').replace(/\s*\n\s*/g, ' ');
}

/** The rows as a Markdown table, the header first. */
export function renderTable(rows: readonly PerformanceRow[]): string {
  const lines = [HEADER, ...rows].map((row) => `| ${COLUMNS.map((column) => cell(row[column])).join(' | ')} |`);
  lines.splice(1, 0, `|${COLUMNS.map(() => '---').join('|')}|`);
  return lines.join('\n');
}

/** `12345.6` → `12.3k`, `950` → `950`: rates as the issue writes them. */
export function formatRate(perSecond: number): string {
  if (!Number.isFinite(perSecond)) return 'n/a';
  return perSecond >= 10_000 ? `${(perSecond / 1000).toFixed(1)}k` : perSecond >= 1000 ? `${(perSecond / 1000).toFixed(2)}k` : perSecond.toFixed(0);
}

/** `measured / ceiling` as a percentage, or `—` without a ceiling. */
export function formatRatio(measured: number, ceiling: number | undefined): string {
  if (ceiling === undefined || !(ceiling > 0) || !Number.isFinite(measured)) return '—';
  return `${((measured / ceiling) * 100).toFixed(1)} %`;
}

/**
 * Rows another benchmark printed as Markdown table rows of five cells (the watch fan-out bench
 * prints its rows so), header and separator rows left out. Lets the harness put them in its table.
 */
export function parseTableRows(output: string): PerformanceRow[] {
  const rows: PerformanceRow[] = [];
  for (const line of output.split('\n')) {
    const trimmed = line.trim();
    if (!trimmed.startsWith('|') || !trimmed.endsWith('|')) continue;
    const cells = trimmed
      .slice(1, -1)
      .split(/(?<!\\)\|/)
      .map((text) => text.trim().replace(/\\\|/g, '|'));
    if (cells.length !== 5 || cells.every((text) => /^:?-+:?$/.test(text)) || cells[0] === 'figure') continue;
    const [figure, measured, ceiling, ratio, goal] = cells as [string, string, string, string, string];
    rows.push({ figure, measured, ceiling, ratio, goal });
  }
  return rows;
}
