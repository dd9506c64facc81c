import { homedir } from 'node:os'
import { runCli } from './program.ts'

/**
 * The CLI's entry (bin/artdag.js imports it): runs the command named by argv
 * and sets the exit code. Nothing starts here beyond that command.
 */

// A reader that goes away (`artdag events | head -1`) ends the command quietly.
process.stdout.on('error', (err: NodeJS.ErrnoException) => {
  if (err.code === 'EPIPE') process.exit(0)
  throw err
})

process.exitCode = await runCli(process.argv.slice(2), {
  io: {
    stdout: process.stdout,
    stderr: process.stderr,
    stdin: process.stdin,
    env: process.env,
    cwd: process.cwd(),
    homedir: homedir()
  },
  signals: process
})
