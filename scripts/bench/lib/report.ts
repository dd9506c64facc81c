/** Benchmark output: one JSON document on stdout (machine-readable), a table on stderr (for people). */

export interface Row {
  metric: string
  value: number
  unit: string
  baseline?: number
  ratio?: number | undefined
  target?: string
  pass?: boolean
}

export function printReport (name: string, rows: Row[], extra: Record<string, unknown> = {}): void {
  const result = { bench: name, at: new Date().toISOString(), ...extra, results: rows }
  process.stdout.write(`${JSON.stringify(result, null, 2)}\n`)
  const fmt = (n: number | undefined): string => n == null || Number.isNaN(n) ? '' : Math.abs(n) >= 100 ? n.toFixed(0) : Math.abs(n) >= 1 ? n.toFixed(2) : n.toFixed(3)
  const table = [['metric', 'value', 'unit', 'baseline', 'ratio', 'target', 'ok'], ...rows.map(r => [r.metric, fmt(r.value), r.unit, fmt(r.baseline), fmt(r.ratio), r.target ?? '', r.pass == null ? '' : r.pass ? 'yes' : 'NO'])]
  const widths = table[0]!.map((_, i) => Math.max(...table.map(row => (row[i] ?? '').length)))
  process.stderr.write(`\n${name}\n${table.map(row => row.map((cell, i) => cell.padEnd(widths[i] ?? 0)).join('  ').trimEnd()).join('\n')}\n`)
}

/** `--name value` from argv, as a number, with a default. */
export function numberArg (name: string, fallback: number): number {
  const at = process.argv.indexOf(`--${name}`)
  if (at === -1) return fallback
  const value = Number(process.argv[at + 1])
  if (!Number.isFinite(value) || value <= 0) throw new Error(`--${name} needs a positive number`)
  return value
}
