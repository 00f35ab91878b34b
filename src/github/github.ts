import { getOctokit } from '@actions/github'
import { retry } from '@octokit/plugin-retry'
import { throttling } from '@octokit/plugin-throttling'
import Bottleneck from 'bottleneck/light.js'
import { GitHubApiError } from './api-error.js'
import type { GitHubSettings } from './settings.js'

export type Octokit = ReturnType<typeof getOctokit>

/** Rate limits wait and retry this many times; a longer wait than this fails the step instead. */
const RATE_LIMIT_RETRIES = 2
const LONGEST_RATE_LIMIT_WAIT_S = 120

/**
 * The API client: retries of transient failures (plugin-retry), and GitHub's rate limits obeyed (plugin-throttling:
 * it waits for `retry-after` or the reset time, then retries), writes spaced as GitHub's best practices ask.
 * Only src/commands/gate-access.ts loads this module, and lazily: Octokit and its HTTP stack cost a no-op run more
 * than its requests do.
 */
export function createOctokit(settings: GitHubSettings, warn: (message: string) => void): Octokit {
  const onLimit =
    (kind: string) =>
    (
      retryAfter: number,
      options: { method?: string; url?: string },
      _octokit: unknown,
      retryCount: number
    ) => {
      const endpoint = `${options.method ?? ''} ${options.url ?? ''}`.trim()
      if (retryCount >= RATE_LIMIT_RETRIES || retryAfter > LONGEST_RATE_LIMIT_WAIT_S) {
        warn(
          `GitHub's ${kind} stopped ${endpoint}; it asks to wait ${retryAfter} s, longer than this run waits.`
        )
        return false
      }
      warn(`GitHub's ${kind} hit ${endpoint}; waiting ${retryAfter} s before retrying.`)
      return true
    }
  const octokit = getOctokit(
    settings.token,
    {
      baseUrl: settings.apiUrl,
      // 429 and rate-limit 403s are the throttling plugin's to wait for; retrying them at once would not help.
      retry: { retries: 3, doNotRetry: [400, 401, 403, 404, 410, 422, 429, 451] },
      throttle: {
        onRateLimit: onLimit('rate limit'),
        onSecondaryRateLimit: onLimit('secondary rate limit'),
        ...(settings.writeSpacingMs === undefined
          ? {}
          : {
              write: new Bottleneck.Group({ maxConcurrent: 1, minTime: settings.writeSpacingMs }),
              notifications: new Bottleneck.Group({ maxConcurrent: 1, minTime: settings.writeSpacingMs })
            })
      }
    },
    retry,
    throttling
  )
  octokit.hook.error('request', async (error, options) => {
    const status = (error as { status?: number }).status ?? 0
    const data = (error as { response?: { data?: { message?: string; errors?: unknown } } }).response?.data
    const endpoint = `${options.method} ${String(options.url)}`
    // A 422 says what failed in `errors` ("A pull request already exists for …"), under "Validation Failed".
    const details = Array.isArray(data?.errors)
      ? data.errors.flatMap(e =>
          typeof e === 'string' ? [e] : typeof e?.message === 'string' ? [e.message as string] : []
        )
      : []
    const message = [data?.message ?? (error as Error).message, ...details].join(': ')
    throw new GitHubApiError(endpoint, status, message)
  })
  return octokit
}
