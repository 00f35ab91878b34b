import { describe, expect, it } from '@jest/globals'
import { quote } from '../../src/registry/client.js'

describe('search filter literals', () => {
  it('single-quotes plain values and double-quotes values holding a single quote', () => {
    expect(quote('fraud detector.v2 café')).toBe("'fraud detector.v2 café'")
    expect(quote("o'neil")).toBe('"o\'neil"')
  })

  it('refuses a value MLflow`s filter language cannot express', () => {
    expect(() => quote(`a'b"c`)).toThrow(/both kinds of quotes/)
  })
})
