import { Readable } from 'node:stream'
import { pipeline } from 'node:stream/promises'
import type { ErrorBody } from '../errors.ts'

/**
 * What a command returns, and the one renderer that prints it: JSON with
 * `--json`, text otherwise. Results go to stdout; errors, notes and progress
 * to stderr. `data` is what `--json` prints, so it is the stable interface for
 * scripts; the text forms are for people and may change.
 */
export type Output =
  | { kind: 'none' }
  /** One result; `text` is its human form (e.g. just the CID). */
  | { kind: 'value', data: unknown, text: string }
  /** A record shown as aligned `label  value` lines. */
  | { kind: 'fields', data: unknown, fields: Array<[string, string]> }
  /** Rows under column headings; `empty` goes to stderr when there are none. */
  | { kind: 'table', data: unknown, columns: string[], rows: string[][], empty: string }
  /** Raw bytes to stdout, in both modes. */
  | { kind: 'bytes', source: AsyncIterable<Uint8Array> }
  /** Items as they come: one JSON object per line with `--json`, `line(item)` otherwise. */
  | { kind: 'stream', source: AsyncIterable<unknown>, line: (item: never) => string }

export const none = (): Output => ({ kind: 'none' })
export const value = (data: unknown, text: string): Output => ({ kind: 'value', data, text })
export const fields = (data: unknown, list: Array<[string, string]>): Output => ({ kind: 'fields', data, fields: list })
export const table = (data: unknown, columns: string[], rows: string[][], empty: string): Output => ({ kind: 'table', data, columns, rows, empty })

export interface RenderTarget {
  stdout: NodeJS.WritableStream
  stderr: NodeJS.WritableStream
  json: boolean
}

/** Writes and waits for the stream to take it, so large outputs respect backpressure. */
function write (stream: NodeJS.WritableStream, text: string): Promise<void> {
  return new Promise((resolve, reject) => {
    stream.write(text, err => (err != null ? reject(err) : resolve()))
  })
}

function alignFields (list: Array<[string, string]>): string {
  const width = Math.max(0, ...list.map(([label]) => label.length))
  return list.map(([label, text]) => `${label.padEnd(width)}  ${text}`).join('\n')
}

function alignTable (columns: string[], rows: string[][]): string {
  const widths = columns.map((col, i) => Math.max(col.length, ...rows.map(row => (row[i] ?? '').length)))
  const line = (cells: string[]): string => cells.map((cell, i) => (i === cells.length - 1 ? cell : cell.padEnd(widths[i] ?? 0))).join('  ').trimEnd()
  return [line(columns), ...rows.map(line)].join('\n')
}

export async function render (output: Output, target: RenderTarget): Promise<void> {
  const { stdout, stderr, json } = target
  switch (output.kind) {
    case 'none':
      return
    case 'value':
      await write(stdout, json ? `${JSON.stringify(output.data, null, 2)}\n` : `${output.text}\n`)
      return
    case 'fields':
      await write(stdout, json ? `${JSON.stringify(output.data, null, 2)}\n` : `${alignFields(output.fields)}\n`)
      return
    case 'table':
      if (json) await write(stdout, `${JSON.stringify(output.data, null, 2)}\n`)
      else if (output.rows.length === 0) await write(stderr, `${output.empty}\n`)
      else await write(stdout, `${alignTable(output.columns, output.rows)}\n`)
      return
    case 'bytes':
      await pipeline(Readable.from(output.source, { objectMode: false }), stdout, { end: false })
      return
    case 'stream':
      for await (const item of output.source) {
        await write(stdout, json ? `${JSON.stringify(item)}\n` : `${output.line(item as never)}\n`)
      }
  }
}

/** An error as one line of text, or as the socket's JSON error body with `--json`; always on stderr. */
export async function renderError (body: ErrorBody, target: RenderTarget): Promise<void> {
  const text = target.json ? JSON.stringify(body) : body.error.message.split('\n')[0] ?? body.error.name
  // Stderr is gone (a closed pipe): there is nowhere left to report to.
  await write(target.stderr, `${text}\n`).catch(() => {})
}
