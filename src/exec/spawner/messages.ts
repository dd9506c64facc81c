/** The spawner's IPC messages (structured clone: Buffers pass as they are). */
export type HelperRequest =
  | { op: 'spawn', id: number, file: string, args: string[], cwd?: string }
  | { op: 'kill', id: number, signal: NodeJS.Signals }

export type HelperEvent =
  | { id: number, ev: 'spawn', pid: number }
  | { id: number, ev: 'error', code: string | null, message: string }
  | { id: number, ev: 'stdout' | 'stderr', data: Uint8Array }
  | { id: number, ev: 'close', code: number | null, signal: NodeJS.Signals | null }
