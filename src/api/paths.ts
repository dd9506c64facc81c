import { join } from 'node:path'

/** The status socket's file name inside a home (config `api.socket` may move it). */
export const SOCKET_FILE_NAME = 'artdag.sock'

export function socketPathForHome (home: string): string {
  return join(home, SOCKET_FILE_NAME)
}
