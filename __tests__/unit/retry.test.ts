import { describe, expect, it } from '@jest/globals'
import fc from 'fast-check'
import {
  isRetryableStatus,
  parseRetryAfterMs,
  retryDelayMs,
  type RetryPolicy
} from '../../src/registry/retry.js'

const policy: RetryPolicy = { maxRetries: 4, baseDelayMs: 500, maxDelayMs: 20_000 }

describe('retry policy', () => {
  it('retries 408, 429 and 5xx gateway errors, nothing else', () => {
    expect([408, 429, 500, 502, 503, 504].every(isRetryableStatus)).toBe(true)
    expect([400, 401, 403, 404, 409, 501].some(isRetryableStatus)).toBe(false)
  })

  it('parses Retry-After as seconds or an HTTP date', () => {
    expect(parseRetryAfterMs('3')).toBe(3000)
    expect(parseRetryAfterMs('0.5')).toBe(500)
    const now = Date.parse('2026-11-26T10:00:00Z')
    expect(parseRetryAfterMs('Thu, 26 Nov 2026 10:00:05 GMT', now)).toBe(5000)
    expect(parseRetryAfterMs('Thu, 26 Nov 2026 09:00:00 GMT', now)).toBe(0)
    expect(parseRetryAfterMs(undefined)).toBeUndefined()
    expect(parseRetryAfterMs('soon')).toBeUndefined()
  })

  it('lets Retry-After win, capped by the maximum delay', () => {
    expect(retryDelayMs(1, policy, 2000)).toBe(2000)
    expect(retryDelayMs(1, policy, 3_600_000)).toBe(20_000)
  })

  it('backs off exponentially with jitter between half and all of the ceiling', () => {
    expect(retryDelayMs(1, policy, undefined, () => 0)).toBe(250)
    expect(retryDelayMs(1, policy, undefined, () => 1)).toBe(500)
    expect(retryDelayMs(3, policy, undefined, () => 1)).toBe(2000)
    fc.assert(
      fc.property(fc.integer({ min: 1, max: 30 }), fc.double({ min: 0, max: 1, noNaN: true }), (retry, r) => {
        const delay = retryDelayMs(retry, policy, undefined, () => r)
        const ceiling = Math.min(policy.maxDelayMs, policy.baseDelayMs * 2 ** (retry - 1))
        return delay >= ceiling / 2 - 1 && delay <= ceiling + 1
      })
    )
  })
})
