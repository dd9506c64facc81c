import type { UiBackend } from '../../backend.ts'
import { FeatureUnavailableError } from '../../errors.ts'
import type { HandlerMap } from '../handler.ts'
import { toCid } from '../handler.ts'

/** `GET /v1/ui`: answered 503 when the daemon serves no dashboard. */
export function uiHandlers (ui: UiBackend | undefined): Pick<HandlerMap, 'ui' | 'contentTicket'> {
  const backend = (): UiBackend => {
    if (ui === undefined) throw new FeatureUnavailableError('this daemon serves no dashboard (config ui.enabled is false)')
    return ui
  }
  return {
    async ui (_input, { signal }) {
      return await backend().info({ signal })
    },
    async contentTicket ({ params }, { signal }) {
      const cid = toCid(params.cid).toString()
      return { cid, path: await backend().contentPath(cid, { signal }) }
    }
  }
}
