import { InputError } from '../inputs.js'
import { getOctokit } from '@actions/github'
import { retry } from '@octokit/plugin-retry'

export type Octokit = ReturnType<typeof getOctokit>

/** Where the action runs: the repository and the API, from the runner's environment. */
export interface GitHubSettings {
  owner: string
  repo: string
  apiUrl: string
  serverUrl: string
  token: string
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
  return {
    owner,
    repo,
    apiUrl: (env.GITHUB_API_URL || 'https://api.github.com').replace(/\/+$/, ''),
    serverUrl: (env.GITHUB_SERVER_URL || 'https://github.com').replace(/\/+$/, ''),
    token
  }
}

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

export function createOctokit(settings: GitHubSettings): Octokit {
  const octokit = getOctokit(settings.token, { baseUrl: settings.apiUrl, retry: { retries: 3 } }, retry)
  octokit.hook.error('request', async (error, options) => {
    const status = (error as { status?: number }).status ?? 0
    const data = (error as { response?: { data?: { message?: string } } }).response?.data
    const endpoint = `${options.method} ${String(options.url)}`
    throw new GitHubApiError(endpoint, status, data?.message ?? (error as Error).message)
  })
  return octokit
}
