import { describe, expect, it } from 'vitest'
import { CID } from 'multiformats/cid'
import { InputOverrideError, InvalidInputCidError, UnknownInputError } from '../../../src/plan/errors.ts'
import { applyInputOverrides, classifyInputRef, parseInputFlag, resolveInputPath } from '../../../src/plan/input-ref.ts'
import { loadRecipe } from '../../../src/plan/recipe.ts'
import { catalog } from './catalog.ts'
import { cidOf, readRecipe } from './helpers.ts'

const V1 = 'bafybeie5nqv6kd3qnfjupgvz34woh3oksc3iau6abmyajn7qvtf6d2ho34'

describe('classifyInputRef', () => {
  it('recognises CIDs in their usual spellings, canonical as CIDv1 base32', async () => {
    const v0 = CID.parse(V1).toV0().toString()
    const raw = await cidOf('x')
    expect(classifyInputRef(V1)).toEqual({ kind: 'cid', cid: V1 })
    expect(classifyInputRef(v0)).toEqual({ kind: 'cid', cid: V1 })
    expect(classifyInputRef(`ipfs://${V1}`)).toEqual({ kind: 'cid', cid: V1 })
    expect(classifyInputRef(raw)).toEqual({ kind: 'cid', cid: raw })
    expect(classifyInputRef(CID.parse(raw).toString((await import('multiformats/bases/base36')).base36))).toEqual({ kind: 'cid', cid: raw })
  })

  it('takes anything else as a path', () => {
    for (const path of ['./clip.mp4', 'clip.mp4', '/abs/clip.mp4', '../up/b.mov', 'bafy-not-a-cid.mp4', 'Qm.mp4']) {
      expect(classifyInputRef(path)).toEqual({ kind: 'path', path })
    }
  })

  it('refuses an ipfs:// URL without a CID', () => {
    expect(() => classifyInputRef('ipfs://clip.mp4')).toThrow(InvalidInputCidError)
  })
})

describe('resolveInputPath', () => {
  it('resolves relative paths against the recipe directory and keeps absolute ones', () => {
    expect(resolveInputPath('./clip.mp4', '/home/me/recipes')).toBe('/home/me/recipes/clip.mp4')
    expect(resolveInputPath('../media/clip.mp4', '/home/me/recipes')).toBe('/home/me/media/clip.mp4')
    expect(resolveInputPath('/data/clip.mp4', '/home/me/recipes')).toBe('/data/clip.mp4')
    expect(resolveInputPath('/data/../data/./clip.mp4', '/x')).toBe('/data/clip.mp4')
  })
})

describe('--input overrides', () => {
  it('parses name=value, keeping "=" inside the value', () => {
    expect(parseInputFlag('clip=./a=b.mp4')).toEqual({ name: 'clip', value: './a=b.mp4' })
    expect(parseInputFlag(`clip=${V1}`)).toEqual({ name: 'clip', value: V1 })
  })

  it.each(['clip', '=x', 'clip=', 'Clip=x', 'a b=x'])('refuses %s', flag => {
    expect(() => parseInputFlag(flag)).toThrow(InputOverrideError)
  })

  it('replaces inputs of the recipe and refuses names it does not have', () => {
    const recipe = loadRecipe(readRecipe('teaser.yaml'), catalog)
    const over = applyInputOverrides(recipe, { clip: V1 })
    expect(over.inputs).toEqual({ clip: V1 })
    expect(recipe.inputs.clip).toBe('./clip.mp4')
    expect(() => applyInputOverrides(recipe, { clipp: V1 })).toThrow(UnknownInputError)
    expect(() => applyInputOverrides(recipe, { clipp: V1 })).toThrow('--input clipp: the recipe has no input "clipp" (its inputs: clip)')
  })
})
