import { describe, expect, it } from 'vitest'
import { debugLogger } from '../../../src/node/debug-logger.ts'

describe("libp2p's and Helia's debug logger", () => {
  it('is one silent logger when $DEBUG is unset: every component and scope gets it, and it writes nothing', () => {
    const logger = debugLogger({})
    const log = logger.forComponent('libp2p:yamux')
    expect(log.enabled).toBe(false)
    expect(log.newScope('stream:1')).toBe(log)
    expect(logger.forComponent('helia:bitswap')).toBe(log)
    expect(() => {
      log('a %s', 'line')
      log.error('an error')
      log.trace('a trace')
    }).not.toThrow()
  })

  it("is @libp2p/logger's when $DEBUG names something: debugging libp2p works as before", () => {
    const logger = debugLogger({ DEBUG: 'libp2p:*' })
    const log = logger.forComponent('libp2p:yamux')
    expect(typeof log.newScope).toBe('function')
    expect(log.newScope('stream:1')).not.toBe(log)
  })
})
