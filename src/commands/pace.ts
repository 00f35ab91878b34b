import pLimit from 'p-limit'

/**
 * Finds how many requests in flight a registry takes best. A single-worker server on sqlite is fastest with one
 * (writes queue on a lock, and more in flight only adds waiting); a server with several workers on a real database
 * is faster with more. Starting at one, the level doubles while each batch runs at least `gain` faster than the best
 * so far, and settles on the best level seen as soon as one does not.
 */
export class ConcurrencyTuner {
  private current = 1
  private best = { level: 1, rate: 0 }
  private settled = false

  constructor(
    private readonly max = 16,
    private readonly gain = 1.1
  ) {}

  get level(): number {
    return this.current
  }

  /** Reports a batch of `count` steps that took `ms` at the current level; returns the level for the next batch. */
  record(count: number, ms: number): number {
    if (this.settled) return this.current
    const rate = count / Math.max(ms, 1)
    if (rate >= this.best.rate * this.gain) {
      this.best = { level: this.current, rate }
      if (this.current * 2 <= this.max) {
        this.current *= 2
        return this.current
      }
    }
    this.settled = true
    this.current = this.best.level
    return this.current
  }
}

/**
 * Runs `work` on every item, in batches whose concurrency the tuner sets: each batch holds a few rounds of the
 * current level, so its timing says how the server copes with that level.
 */
export async function runPaced<T>(
  items: T[],
  work: (item: T) => Promise<void>,
  tuner: ConcurrencyTuner = new ConcurrencyTuner(),
  clock: () => number = () => performance.now()
): Promise<void> {
  let next = 0
  while (next < items.length) {
    const level = tuner.level
    const batch = items.slice(next, next + Math.max(8, level * 4))
    next += batch.length
    const limit = pLimit(level)
    const started = clock()
    await Promise.all(batch.map(item => limit(() => work(item))))
    tuner.record(batch.length, clock() - started)
  }
}
