import type { ErrorBody } from '../errors.ts'

/**
 * What to do next, added to an error's one line when the error alone does not
 * say it (the error comes from a layer that does not know about the CLI).
 */
export function withHint (body: ErrorBody, command?: string): ErrorBody {
  const hint = hintFor(body, command)
  if (hint === undefined) return body
  return { error: { ...body.error, message: `${body.error.message}; ${hint}` } }
}

function hintFor ({ error }: ErrorBody, command: string | undefined): string | undefined {
  switch (error.name) {
    case 'RepoLockedError':
      if (command === 'daemon') {
        return error.details?.purpose === 'daemon'
          ? 'a daemon already runs on this home (artdag status shows it): stop it first, or give a second daemon its own home and port (artdag init --home DIR --swarm-key SWARM_KEY, then artdag daemon --home DIR --listen /ip4/0.0.0.0/tcp/4102)'
          : 'a command is using this home: start the daemon once it has finished'
      }
      return error.details?.purpose === 'daemon'
        ? 'its daemon is starting or stopping: try again once artdag status answers'
        : 'to run several commands on one home at once, start a daemon (artdag daemon): they then all go through it'
    default:
      return undefined
  }
}
