import { describe, expect, it } from 'vitest'
import { buildPath, methodsForPath, routes } from '../../../src/api/routes.ts'

describe('route table', () => {
  it('versions every route under /v1 except /metrics', () => {
    for (const [name, def] of Object.entries(routes)) {
      if (name === 'metrics') expect(def.path).toBe('/metrics')
      else expect(def.path.startsWith('/v1/'), `${name} ${def.path}`).toBe(true)
    }
  })

  it('declares a params schema for exactly the placeholders in each path', () => {
    for (const def of Object.values(routes)) {
      const placeholders = [...def.path.matchAll(/:([A-Za-z]+)/g)].map(m => m[1] ?? '')
      const shape = (def.params as unknown as { shape: Record<string, unknown> }).shape
      expect(Object.keys(shape).sort(), def.path).toEqual(placeholders.sort())
    }
  })

  it('has one route per method and path', () => {
    const keys = Object.values(routes).map(def => `${def.method} ${def.path}`)
    expect(new Set(keys).size).toBe(keys.length)
  })

  it('builds paths with encoded parameters', () => {
    expect(buildPath(routes.statContent.path, { cid: 'bafy' })).toBe('/v1/content/bafy/stat')
    expect(buildPath(routes.catContent.path, { cid: 'a/b?c' })).toBe('/v1/content/a%2Fb%3Fc')
    expect(() => buildPath(routes.catContent.path, {})).toThrow(/missing path parameter cid/)
  })

  it('knows which methods a concrete path allows', () => {
    expect(methodsForPath('/v1/pins/bafy').sort()).toEqual(['DELETE', 'POST'])
    expect(methodsForPath('/v1/content')).toEqual(['POST'])
    expect(methodsForPath('/v1/content/bafy')).toEqual(['GET'])
    expect(methodsForPath('/v1/jobs/bafy/cancel')).toEqual(['POST'])
    expect(methodsForPath('/v1/nothing')).toEqual([])
  })
})
