import type { ContentStore, PinInfo } from '../../../store/index.ts'
import type { HandlerMap } from '../handler.ts'
import { toCid } from '../handler.ts'
import type { PinJson } from '../../schemas.ts'
import { defined } from '../../../defined.ts'

/** `/v1/pins`. */
export function pinHandlers (content: ContentStore): Pick<HandlerMap, 'listPins' | 'addPin' | 'removePin'> {
  return {
    async listPins ({ query }, { signal }) {
      const pins: PinJson[] = []
      for await (const pin of content.pins({ signal })) {
        if (query.kind === undefined || pin.kind === query.kind) pins.push(toPinJson(pin))
      }
      return { pins }
    },
    async addPin ({ params, body }, { signal }) {
      const info: PinInfo = { cid: toCid(params.cid), kind: body.kind }
      if (body.expiresAt !== undefined) info.expiresAt = body.expiresAt
      if (body.labels !== undefined) info.labels = body.labels
      await content.pin(info, { signal })
      return toPinJson(info)
    },
    async removePin ({ params }, { signal }) {
      const cid = toCid(params.cid)
      await content.unpin(cid, { signal })
      return { cid: cid.toString() }
    }
  }
}

function toPinJson (pin: PinInfo): PinJson {
  return {
    cid: pin.cid.toString(),
    kind: pin.kind,
    ...defined({ expiresAt: pin.expiresAt }),
    ...defined({ labels: pin.labels })
  }
}
