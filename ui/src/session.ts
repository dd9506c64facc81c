/**
 * The token, as the page keeps it: `artdag ui` prints `http://…/#token=…`;
 * the page moves the token into sessionStorage (gone when the tab closes) and
 * takes it out of the address bar and the history at once.
 */

const KEY = 'artdag.token'

export function adoptTokenFromUrl (): void {
  const hash = new URLSearchParams(location.hash.replace(/^#\/?/, ''))
  const token = hash.get('token')
  if (token === null) return
  if (token !== '') sessionStorage.setItem(KEY, token)
  history.replaceState(null, '', `${location.pathname}#/`)
}

export function token (): string | null {
  return sessionStorage.getItem(KEY)
}

export function forgetToken (): void {
  sessionStorage.removeItem(KEY)
}
