import { InputError } from '../domain/input-error.js'
import { getOctokit } from '@actions/github'
import { retry } from '@octokit/plugin-retry'
import { throttling } from '@octokit/plugin-throttling'
import Bottleneck from 'bottleneck/light.js'

export type Octokit = ReturnType<typeof getOctokit>

/** Where the action runs: the repository and the API, from the runner's environment. */
export interface GitHubSettings {
  owner: string
  repo: string
  apiUrl: string
  serverUrl: string
  token: string
  /**
   * Milliseconds between two writes (and between two requests that notify people), or undefined for GitHub.com's
   * own pacing as plugin-throttling applies it: writes a second apart, notifying requests three seconds apart.
   */
  writeSpacingMs: number | undefined
}

export function gitHubSettings(env: NodeJS.ProcessEnv, token: string | undefined): GitHubSettings {
  const repository = env.GITHUB_REPOSITORY ?? ''
  const [owner, repo] = repository.split('/')
  if (!owner || !repo) {
    throw new InputError(
      'GITHUB_REPOSITORY is not set (owner/name): the pull-request gate runs inside GitHub Actions.'
    )
  }
  if (token === undefined) {
    throw new InputError(
      'Input `github-token` is empty: the pull-request gate needs a token (default `${{ github.token }}`).'
    )
  }
  const apiUrl = (env.GITHUB_API_URL || GITHUB_COM_API).replace(/\/+$/, '')
  return {
    owner,
    repo,
    apiUrl,
    serverUrl: (env.GITHUB_SERVER_URL || 'https://github.com').replace(/\/+$/, ''),
    token,
    writeSpacingMs: writeSpacing(env.PROMOTION_GATE_GITHUB_WRITE_SPACING_MS, apiUrl)
  }
}

const GITHUB_COM_API = 'https://api.github.com'

/**
 * GitHub.com asks for a second between mutating requests (its secondary rate limits), which plugin-throttling
 * applies; GitHub Enterprise Server has those limits off unless its admin turns them on, so elsewhere requests are
 * not spaced unless the variable says so.
 */
function writeSpacing(raw: string | undefined, apiUrl: string): number | undefined {
  if (raw === undefined || raw.trim() === '') return apiUrl === GITHUB_COM_API ? undefined : 0
  const value = Number(raw)
  if (!Number.isInteger(value) || value < 0) {
    throw new InputError(
      `PROMOTION_GATE_GITHUB_WRITE_SPACING_MS must be a whole number of milliseconds, got "${raw}"`
    )
  }
  return value
}

/** Rate limits wait and retry this many times; a longer wait than this fails the step instead. */
const RATE_LIMIT_RETRIES = 2
const LONGEST_RATE_LIMIT_WAIT_S = 120

/** A GitHub API error in words: the endpoint, the status and GitHub's message, never the token. */
export class GitHubApiError extends Error {
  constructor(
    readonly endpoint: string,
    readonly status: number,
    message: string
  ) {
    super(`GitHub ${endpoint} failed (HTTP ${status}): ${message}`)
    this.name = 'GitHubApiError'
  }
}

export function isGitHubStatus(error: unknown, status: number): boolean {
  return error instanceof GitHubApiError && error.status === status
}

/**
 * The API client: retries of transient failures (plugin-retry), and GitHub's rate limits obeyed (plugin-throttling:
 * it waits for `retry-after` or the reset time, then retries), writes spaced as GitHub's best practices ask.
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
