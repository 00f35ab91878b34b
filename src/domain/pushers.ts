// Who wrote a pull request: the accounts GitHub saw push to its branch (the repository activity API), never the
// names and e-mails inside the commits, which any `git config user.email` sets.

export interface PushFacts {
  type: string
  /** The account that made the push; undefined when GitHub names none. */
  actor?: string
  actorIsBot: boolean
  before: string
  after: string
  at: string
}

export type Pushers =
  | {
      known: true
      /** People who pushed to the branch (and the person who opened the pull request). */
      authors: string[]
      /** Pushes made by automation identities: each must prove to be the gate's own write. */
      automated: PushFacts[]
    }
  | { known: false; why: string }

const BRANCH_MOVES = new Set(['push', 'force_push', 'branch_creation'])

/**
 * The pushers of the branch's current life (since it was last created), checked to reach the head commit: if the
 * newest push GitHub lists is not the head the approvals are for, who wrote the head cannot be told.
 */
export function pushersOf(
  pushes: PushFacts[],
  branch: string,
  headSha: string,
  opener: { login: string; isBot: boolean }
): Pushers {
  const moves = pushes.filter(push => BRANCH_MOVES.has(push.type))
  const created = moves.map(push => push.type).lastIndexOf('branch_creation')
  const life = created === -1 ? moves : moves.slice(created)
  if (life.length === 0) {
    return { known: false, why: `GitHub lists no pushes to ${branch}, so who wrote it cannot be established` }
  }
  const newest = life[life.length - 1]
  if (newest.after !== headSha) {
    return {
      known: false,
      why: `the newest push GitHub lists for ${branch} (${newest.after.slice(0, 7)}) is not the head commit ${headSha.slice(0, 7)}, so who wrote the head cannot be established`
    }
  }
  const nameless = life.find(push => push.actor === undefined)
  if (nameless !== undefined) {
    return {
      known: false,
      why: `GitHub names no account for the push of ${nameless.after.slice(0, 7)} to ${branch}`
    }
  }
  const authors = new Map<string, string>()
  if (!opener.isBot && opener.login !== '') authors.set(opener.login.toLowerCase(), opener.login)
  for (const push of life) {
    const key = push.actor!.toLowerCase()
    if (!push.actorIsBot && !authors.has(key)) authors.set(key, push.actor!)
  }
  return {
    known: true,
    authors: [...authors.values()],
    automated: life.filter(push => push.actorIsBot)
  }
}
