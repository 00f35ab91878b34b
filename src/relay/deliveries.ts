import { MAX_CLOCK_SKEW_S } from './signature.js'

export type DeliveryState = 'new' | 'in-flight' | 'done'

/**
 * The delivery ids the relay has seen, so a replayed delivery sends nothing. A delivery older than the allowed clock
 * skew is refused on its timestamp, so an id needs remembering only that long on either side. An id whose dispatch
 * failed is forgotten, so MLflow's retry (the same id, on a 5xx) goes through.
 */
export class DeliveryLog {
  private readonly entries = new Map<string, number>()
  private readonly done = new Set<string>()

  constructor(
    private readonly ttlMs = 2 * MAX_CLOCK_SKEW_S * 1000 + 60_000,
    /** Beyond this many live ids new deliveries are turned away (MLflow retries) rather than old ids forgotten. */
    readonly capacity = 100_000
  ) {}

  /** Claims an id: `new` if it was not seen (it is now in flight), otherwise what it is. */
  begin(id: string, nowMs: number): DeliveryState | 'full' {
    this.prune(nowMs)
    if (this.entries.has(id)) return this.done.has(id) ? 'done' : 'in-flight'
    if (this.entries.size >= this.capacity) return 'full'
    this.entries.set(id, nowMs + this.ttlMs)
    return 'new'
  }

  finish(id: string): void {
    if (this.entries.has(id)) this.done.add(id)
  }

  abandon(id: string): void {
    this.entries.delete(id)
    this.done.delete(id)
  }

  private prune(nowMs: number): void {
    // Entries expire in the order they were added (one TTL for all), so the oldest come first.
    for (const [id, expiresAt] of this.entries) {
      if (expiresAt > nowMs) break
      this.entries.delete(id)
      this.done.delete(id)
    }
  }
}
