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
