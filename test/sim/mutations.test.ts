import { describe, expect, it } from 'vitest'
import { MUTATIONS, checkMutations } from '../../scripts/sim-mutations.ts'

/**
 * The mutation check (scripts/sim-mutations.ts): every protocol mechanism
 * docs/LEASES.md lists, switched off in a copy of the source, makes the
 * simulator fail on the seed named for it. A mechanism no seed misses is a
 * mechanism nobody tests.
 */
describe('simulation: every mechanism is tested', () => {
  it('each mechanism switched off fails its named seed', async () => {
    const rows = await checkMutations(MUTATIONS, { jobs: 1 })
    const missed = rows.filter(r => !r.caught).map(r =>
      `${r.mechanism} (${r.scenario} seed ${String(r.seed)}): ${r.violation === '' ? 'no violation' : r.violation} — find a failing seed with: node_modules/.bin/node scripts/sim-mutations.ts '${r.mechanism}' --find`
    )
    expect(missed).toEqual([])
  })
})
