import { describe, expect, it } from '@jest/globals'
import { ConcurrencyTuner, runPaced } from '../../src/commands/pace.js'

/** Batches of 40 steps, each taking as long as a server that takes `perStepMs(level)` per step would. */
function settleOn(perStepMs: (level: number) => number, max = 16): number[] {
  const tuner = new ConcurrencyTuner(max)
  const levels: number[] = []
  for (let batch = 0; batch < 8; batch++) {
    levels.push(tuner.level)
    tuner.record(40, 40 * perStepMs(tuner.level))
  }
  return levels
}

describe('ConcurrencyTuner', () => {
  it('stays at one request in flight on a server that gets slower with more (a single sqlite worker)', () => {
    expect(settleOn(level => 50 + 10 * (level - 1))).toEqual([1, 2, 1, 1, 1, 1, 1, 1])
  })

  it('climbs while more in flight pays, then keeps the best level', () => {
    // Throughput grows up to 4 workers' worth, then flattens.
    expect(settleOn(level => 50 / Math.min(level, 4))).toEqual([1, 2, 4, 8, 4, 4, 4, 4])
  })

  it('never goes beyond its ceiling', () => {
    expect(settleOn(level => 50 / level, 8)).toEqual([1, 2, 4, 8, 8, 8, 8, 8])
  })

  it('does not climb on a gain smaller than 10%', () => {
    expect(settleOn(level => (level === 1 ? 50 : 47))).toEqual([1, 2, 1, 1, 1, 1, 1, 1])
  })
})

describe('runPaced', () => {
  it('runs every item once, never more in flight than the level of its batch', async () => {
    const tuner = new ConcurrencyTuner(4)
    let inFlight = 0
    let most = 0
    const done: number[] = []
    let now = 0
    await runPaced(
      Array.from({ length: 100 }, (_, i) => i),
      async item => {
        inFlight += 1
        most = Math.max(most, inFlight)
        await new Promise(resolve => setImmediate(resolve))
        done.push(item)
        inFlight -= 1
      },
      tuner,
      () => (now += 10)
    )
    expect(done.sort((a, b) => a - b)).toEqual(Array.from({ length: 100 }, (_, i) => i))
    expect(most).toBeLessThanOrEqual(4)
  })
})
