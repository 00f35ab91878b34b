import { existsSync, readFileSync } from 'node:fs'

/** The event that started the workflow run. Only identifiers are taken from it; every fact is re-read by API. */
export interface RunEvent {
  name: string
  /** The payload file (GITHUB_EVENT_PATH); undefined when the runner gave none. */
  payloadPath?: string
  pullRequestNumber?: number
  pullRequestAction?: string
  /** For `push`: the commit pushed. */
  sha?: string
  ref?: string
  /** For `merge_group`: the merge queue's commit of a pull request, and what it was made on. */
  mergeGroup?: MergeGroupEvent
}

export interface MergeGroupEvent {
  headRef: string
  headSha: string
  baseRef: string
  baseSha: string
}

export function readRunEvent(env: NodeJS.ProcessEnv): RunEvent {
  const name = env.GITHUB_EVENT_NAME ?? ''
  const path = env.GITHUB_EVENT_PATH || undefined
  let payload: Record<string, unknown> = {}
  if (path) {
    let parsed: unknown
    try {
      parsed = JSON.parse(readFileSync(path, 'utf8'))
    } catch (error) {
      throw new Error(`The event payload ${path} cannot be read: ${(error as Error).message}`, {
        cause: error
      })
    }
    if (parsed === null || typeof parsed !== 'object' || Array.isArray(parsed)) {
      throw new Error(`The event payload ${path} is not a JSON object.`)
    }
    payload = parsed as Record<string, unknown>
  }
  const pull = payload.pull_request as { number?: unknown } | undefined
  const number = typeof pull?.number === 'number' ? pull.number : undefined
  const after = typeof payload.after === 'string' ? payload.after : undefined
  const group = payload.merge_group as Record<string, unknown> | undefined
  const text = (value: unknown) => (typeof value === 'string' ? value : '')
  return {
    ...(group !== undefined && typeof group === 'object' && group !== null
      ? {
          mergeGroup: {
            headRef: text(group.head_ref),
            headSha: text(group.head_sha),
            baseRef: text(group.base_ref),
            baseSha: text(group.base_sha)
          }
        }
      : {}),
    name,
    payloadPath: path,
    pullRequestNumber: number,
    pullRequestAction: typeof payload.action === 'string' ? payload.action : undefined,
    sha: after ?? env.GITHUB_SHA,
    ref: typeof payload.ref === 'string' ? payload.ref : env.GITHUB_REF
  }
}

/**
 * The pull request a merge queue's group is for: GitHub names the group's branch
 * `gh-readonly-queue/<base branch>/pr-<number>-<base sha>` (docs.github.com, "Managing a merge queue"), and only
 * the queue writes under that prefix. Throws, in words, on anything else.
 */
export function queuedPullRequestNumber(group: MergeGroupEvent): number {
  const match = /^refs\/heads\/gh-readonly-queue\/.+\/pr-([1-9]\d{0,9})-[0-9a-f]{40}$/.exec(group.headRef)
  if (match === null || !/^[0-9a-f]{40}$/.test(group.headSha) || !/^[0-9a-f]{40}$/.test(group.baseSha)) {
    throw new Error(
      `The merge_group event's branch "${group.headRef}" is not a merge queue branch (gh-readonly-queue/<base>/pr-<number>-<sha>) with its commits.`
    )
  }
  return Number(match[1])
}

export function isPullRequestEvent(event: RunEvent): boolean {
  return event.name === 'pull_request' || event.name === 'pull_request_target'
}

/** Why a pull-request event gave no pull request to work on, in words. */
export function noPullRequestNumber(event: RunEvent): string {
  return event.payloadPath === undefined
    ? `The ${event.name} event has no payload (GITHUB_EVENT_PATH is not set), so no pull request number.`
    : `The ${event.name} event payload has no pull request number.`
}

/**
 * A payload file that exists but is not JSON, in words; undefined otherwise. @actions/github parses the file as
 * soon as it is loaded and would crash the step with a bare SyntaxError and a stack trace, so the entry point
 * checks it first.
 */
export function malformedEventPayload(env: NodeJS.ProcessEnv): string | undefined {
  const path = env.GITHUB_EVENT_PATH
  if (!path || !existsSync(path)) return undefined
  try {
    JSON.parse(readFileSync(path, 'utf8'))
    return undefined
  } catch (error) {
    return `The event payload ${path} (GITHUB_EVENT_PATH) is not valid JSON: ${(error as Error).message}`
  }
}
