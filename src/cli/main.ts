import { homedir } from 'node:os'

/**
 * The CLI's entry (bin/artdag.js imports it): runs the command named by argv
 * and sets the exit code. Nothing starts here beyond that command.
 */

const argv = process.argv.slice(2)

// `artdag --version` answers before anything else is loaded.
if (argv.length === 1 && (argv[0] === '--version' || argv[0] === '-V')) {
  const { ARTDAG_VERSION } = await import('../version.ts')
  process.stdout.write(`${ARTDAG_VERSION}\n`)
} else {
  // A reader that goes away (`artdag events | head -1`) ends a command quietly. The daemon
  // is the exception: it outlives its output (`artdag daemon | tee log`, then Ctrl-C) and
  // stops in order, releasing its lock, socket and work directory (src/daemon.ts).
  if (argv.includes('daemon')) {
    // Its log goes on in <home>/logs/daemon.log; the stream writes that fail are dropped.
    process.stdout.on('error', () => {})
    process.stderr.on('error', () => {})
  } else {
    process.stdout.on('error', (err: NodeJS.ErrnoException) => {
      if (err.code === 'EPIPE') process.exit(0)
      throw err
    })
  }
  const { runCli } = await import('./program.ts')
  process.exitCode = await runCli(argv, {
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
}
