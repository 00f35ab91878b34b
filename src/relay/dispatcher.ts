import { createOctokit } from '../github/github.js'
import type { GitHubSettings } from '../github/settings.js'
import type { Dispatch } from './events.js'

/**
 * Sends repository dispatches (POST /repos/{owner}/{repo}/dispatches, which needs `contents: write`) through the
 * gate's GitHub client: transient failures retried with backoff, rate limits waited for. What still fails throws.
 */
export function gitHubDispatcher(
  settings: GitHubSettings,
  warn: (message: string) => void
): (dispatch: Dispatch) => Promise<void> {
  const octokit = createOctokit(settings, warn)
  return async dispatch => {
    await octokit.rest.repos.createDispatchEvent({
      owner: settings.owner,
      repo: settings.repo,
      event_type: dispatch.eventType,
      client_payload: dispatch.clientPayload
    })
  }
}
