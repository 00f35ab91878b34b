import { InputError } from '../domain/input-error.js'

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
