import { describe, expect, it } from '@jest/globals'
import fc from 'fast-check'
import { closestName, editDistance } from '../../src/domain/did-you-mean.js'

describe('did you mean', () => {
  it('counts insertions, deletions, substitutions and neighbour swaps as one edit each', () => {
    expect(editDistance('min', 'min')).toBe(0)
    expect(editDistance('mni', 'min')).toBe(1)
    expect(editDistance('dry-rn', 'dry-run')).toBe(1)
    expect(editDistance('modle', 'model')).toBe(1)
    expect(editDistance('Min', 'min')).toBe(0)
    expect(editDistance('', 'abc')).toBe(3)
    expect(editDistance('kitten', 'sitting')).toBe(3)
  })

  it('is a distance: symmetric, zero only for equal words, never more than the longer length', () => {
    fc.assert(
      fc.property(fc.string(), fc.string(), (a, b) => {
        const d = editDistance(a, b)
        expect(d).toBe(editDistance(b, a))
        expect(d === 0).toBe(a.toLowerCase() === b.toLowerCase())
        expect(d).toBeLessThanOrEqual(Math.max([...a].length, [...b].length))
      })
    )
  })

  it('suggests the closest candidate only when it is close for the length of the word', () => {
    expect(closestName('mni', ['metric', 'min', 'max'])).toBe('min')
    expect(closestName('stagin', ['staging', 'production', 'retention'])).toBe('staging')
    expect(closestName('severty', ['severity', 'on_missing'])).toBe('severity')
    expect(closestName('evalute', ['evaluate', 'verify'])).toBe('evaluate')
    expect(closestName('extra', ['version', 'registry', 'records', 'models'])).toBeUndefined()
    expect(closestName('minimum', ['min', 'max'])).toBeUndefined()
    expect(closestName('x', ['y'])).toBeUndefined()
    // Ties go to the first listed; the word itself is never suggested.
    expect(closestName('mix', ['min', 'max'])).toBe('min')
    expect(closestName('min', ['min'])).toBeUndefined()
  })
})
