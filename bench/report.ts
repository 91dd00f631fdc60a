import type { LoadResult } from './load.ts'

/** One line of the summary: a figure beside its same-run baseline, and its target when it has one. */
export interface Row {
  figure: string
  measured: string
  baseline?: string
  ratio?: string
  target?: string
  /** Whether the target is met; absent for figures that are only baselines or comparisons. */
  pass?: boolean
}

export const fmt = (n: number, digits = 0) =>
  n.toLocaleString('en-US', { maximumFractionDigits: digits, minimumFractionDigits: digits })
export const times = (measured: number, baseline: number) => `${fmt(measured / baseline, 2)}×`
export const percent = (measured: number, baseline: number) => `${fmt((measured / baseline) * 100)}%`
export const megabytes = (bytes: number) => `${fmt(bytes / 2 ** 20)} MB`
export const perSecond = (n: number) => `${fmt(n)}/s`
export const showLoad = (r: LoadResult) =>
  `${perSecond(r.perSecond)}, p50 ${fmt(r.p50, 1)} ms, p99 ${fmt(r.p99, 1)} ms` +
  (r.non2xx ? `, ${r.non2xx} non-2xx` : '')

/** The rows as a Markdown table, its columns padded to line up in a terminal too. */
export function summaryTable(rows: Row[]): string {
  const header = ['Figure', 'Measured', 'Baseline (same run)', 'Ratio', 'Target', 'Result']
  const cells = rows.map((row) => [
    row.figure,
    row.measured,
    row.baseline ?? '—',
    row.ratio ?? '—',
    row.target ?? '—',
    row.pass === undefined ? '—' : row.pass ? 'PASS' : 'FAIL',
  ])
  const widths = header.map((title, i) => Math.max(title.length, ...cells.map((line) => line[i]!.length)))
  const line = (values: string[]) => `| ${values.map((value, i) => value.padEnd(widths[i]!)).join(' | ')} |`
  return [line(header), line(widths.map((width) => '-'.repeat(width))), ...cells.map(line)].join('\n')
}
