import { homePaths } from '../../../config/index.ts'
import { gcWithUsage, repoUsage } from '../../../store/index.ts'
import type { ContentStore } from '../../../store/index.ts'
import type { HandlerMap } from '../handler.ts'

/** `/v1/gc` and `/v1/repo`: the home's housekeeping (the same as `artdag gc` and `repo stat` with no daemon). */
export function repoHandlers (content: ContentStore, init: { home: string }): Pick<HandlerMap, 'gc' | 'repoStat'> {
  const paths = homePaths(init.home)
  return {
    async gc (_input, { signal }) {
      return await gcWithUsage(content, paths.blocks, { signal })
    },
    async repoStat (_input, { signal }) {
      return await repoUsage(paths, content, { signal })
    }
  }
}
