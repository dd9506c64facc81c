import type { ApiComponents } from '../../backend.ts'
import type { HandlerMap } from '../handler.ts'
import type { ApiMetrics } from '../metrics.ts'
import type { StatusResponse } from '../../schemas.ts'

/** `/v1/id`, `/v1/status`, `/v1/peers`, `/metrics`. */
export function systemHandlers (
  components: Pick<ApiComponents, 'system' | 'peers'>,
  server: { home: string, socketPath: string, now: () => number, metrics: ApiMetrics }
): Pick<HandlerMap, 'id' | 'status' | 'peers' | 'metrics'> {
  return {
    async id (_input, { signal }) {
      return await components.system.identity({ signal })
    },
    async status (_input, { signal }): Promise<StatusResponse> {
      const status = await components.system.status({ signal })
      return { ...status, uptimeMs: Math.max(0, server.now() - status.startedAt), home: server.home, socket: server.socketPath }
    },
    async peers (_input, { signal }) {
      return { peers: await components.peers.peers({ signal }) }
    },
    async metrics (_input, { reply }) {
      const { contentType, text } = await server.metrics.scrape()
      return reply.code(200).type(contentType).send(text)
    }
  }
}
