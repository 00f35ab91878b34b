import { readFileSync } from 'node:fs'

/** The event that started the workflow run. Only identifiers are taken from it; every fact is re-read by API. */
export interface RunEvent {
  name: string
  pullRequestNumber?: number
  pullRequestAction?: string
  /** For `push`: the commit pushed. */
  sha?: string
  ref?: string
}

export function readRunEvent(env: NodeJS.ProcessEnv): RunEvent {
  const name = env.GITHUB_EVENT_NAME ?? ''
  const path = env.GITHUB_EVENT_PATH
  let payload: Record<string, unknown> = {}
  if (path) {
    try {
      payload = JSON.parse(readFileSync(path, 'utf8')) as Record<string, unknown>
    } catch (error) {
      throw new Error(`The event payload ${path} cannot be read: ${(error as Error).message}`, {
        cause: error
      })
    }
  }
  const pull = payload.pull_request as { number?: unknown } | undefined
  const number = typeof pull?.number === 'number' ? pull.number : undefined
  const after = typeof payload.after === 'string' ? payload.after : undefined
  return {
    name,
    pullRequestNumber: number,
    pullRequestAction: typeof payload.action === 'string' ? payload.action : undefined,
    sha: after ?? env.GITHUB_SHA,
    ref: typeof payload.ref === 'string' ? payload.ref : env.GITHUB_REF
  }
}
