import type { ErrorBody } from '../errors.ts'

/**
 * What to do next, added to an error's one line when the error alone does not
 * say it (the error comes from a layer that does not know about the CLI).
 */
export function withHint (body: ErrorBody): ErrorBody {
  const hint = hintFor(body)
  if (hint === undefined) return body
  return { error: { ...body.error, message: `${body.error.message}; ${hint}` } }
}

function hintFor ({ error }: ErrorBody): string | undefined {
  switch (error.name) {
    case 'RepoLockedError':
      return error.details?.purpose === 'daemon'
        ? 'its daemon is starting or stopping: try again once artdag status answers'
        : 'to run several commands on one home at once, start a daemon (artdag daemon): they then all go through it'
    default:
      return undefined
  }
}
