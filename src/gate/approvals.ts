import type { ReviewFacts } from '../github/repository.js'

export interface ApprovalPolicy {
  required: number
  /** Logins and `@org/team` entries; undefined lets anyone with write access approve. */
  approvers?: string[]
  allowAuthorApproval: boolean
}

/** What the approval count needs to know about people, looked up through the API for the reviewers only. */
export interface PeopleFacts {
  /** The person who opened the pull request and everyone who pushed to its branch. */
  authors: string[]
  /** Users on the allow-list through a team (login → true), for approvers not listed by login. */
  inAllowedTeam: Set<string>
  /** Reviewers with write or admin access to the repository. */
  writers: Set<string>
}

export interface ApprovalCount {
  approvedBy: string[]
  required: number
  /** Reviews that did not count, and why: shown to people so they know what to fix. */
  notCounted: { login: string; why: string }[]
  /** People whose latest review requests changes. */
  changesRequestedBy: string[]
}

const same = (a: string, b: string) => a.toLowerCase() === b.toLowerCase()

/**
 * The reviews that were there when the decision was taken: at merge, only those submitted before `merged_at`
 * (GitHub accepts reviews on a merged pull request, and a re-run of the promote must not count them).
 */
export function reviewsBefore(reviews: ReviewFacts[], decidedAt: string | undefined): ReviewFacts[] {
  if (decidedAt === undefined) return reviews
  const limit = Date.parse(decidedAt)
  return reviews.filter(review => review.submittedAt !== undefined && Date.parse(review.submittedAt) <= limit)
}

/** The latest deciding review (approve, request changes, dismissed) of each person, in review order. */
export function latestDecidingReviews(reviews: ReviewFacts[]): ReviewFacts[] {
  const latest = new Map<string, ReviewFacts>()
  for (const review of reviews) {
    if (review.login === undefined) continue
    if (!['APPROVED', 'CHANGES_REQUESTED', 'DISMISSED'].includes(review.state)) continue
    latest.set(review.login.toLowerCase(), review)
  }
  return [...latest.values()]
}

/** The reviewers whose review depends on lookups: approvers of the head (teams, write access), and requesters of changes (write access). */
export function reviewersToLookUp(reviews: ReviewFacts[], headSha: string): string[] {
  return latestDecidingReviews(reviews)
    .filter(
      review =>
        !review.isBot &&
        ((review.state === 'APPROVED' && review.commitId === headSha) || review.state === 'CHANGES_REQUESTED')
    )
    .map(review => review.login!)
}

export function isListedApprover(login: string, approvers: string[] | undefined): boolean {
  return (
    approvers === undefined ||
    approvers.some(entry => !entry.includes('/') && same(entry.replace(/^@/, ''), login))
  )
}

export function allowedTeams(approvers: string[] | undefined): { org: string; team: string }[] {
  return (approvers ?? [])
    .filter(entry => entry.includes('/'))
    .map(entry => {
      const [org, team] = entry.replace(/^@/, '').split('/')
      return { org, team }
    })
}

/**
 * Counts approvals as the README's security model says: the latest review per person, `APPROVED` on the
 * final head commit, by an allowed person with write access, not an author, not a bot; and no outstanding request
 * for changes from someone with write access (as branch protection counts them: on a public repository anyone can
 * submit one).
 */
export function countApprovals(
  reviews: ReviewFacts[],
  headSha: string,
  policy: ApprovalPolicy,
  people: PeopleFacts
): ApprovalCount {
  const result: ApprovalCount = {
    approvedBy: [],
    required: policy.required,
    notCounted: [],
    changesRequestedBy: []
  }
  for (const review of latestDecidingReviews(reviews)) {
    const login = review.login!
    const skip = (why: string) => result.notCounted.push({ login, why })
    if (review.isBot) {
      if (review.state === 'APPROVED') skip('is a bot')
      continue
    }
    if (review.state === 'CHANGES_REQUESTED') {
      if (people.writers.has(login.toLowerCase())) result.changesRequestedBy.push(login)
      else skip('has no write access, so their request for changes does not block')
      continue
    }
    if (review.state === 'DISMISSED') {
      skip('their review was dismissed')
      continue
    }
    if (review.commitId !== headSha) {
      skip(
        `approved an earlier commit (${(review.commitId ?? 'unknown').slice(0, 7)}), not the final ${headSha.slice(0, 7)}`
      )
    } else if (!policy.allowAuthorApproval && people.authors.some(author => same(author, login))) {
      skip('is an author of the pull request')
    } else if (!isListedApprover(login, policy.approvers) && !people.inAllowedTeam.has(login.toLowerCase())) {
      skip('is not on the policy’s approver list')
    } else if (!people.writers.has(login.toLowerCase())) {
      skip('has no write access to the repository')
    } else {
      result.approvedBy.push(login)
    }
  }
  return result
}

export function approvalsSatisfied(count: ApprovalCount): boolean {
  return count.approvedBy.length >= count.required && count.changesRequestedBy.length === 0
}

export function describeApprovals(count: ApprovalCount): string {
  const parts = [
    `${count.approvedBy.length} of ${count.required} required approval${count.required === 1 ? '' : 's'}` +
      (count.approvedBy.length > 0 ? ` (${count.approvedBy.join(', ')})` : '')
  ]
  if (count.changesRequestedBy.length > 0)
    parts.push(`changes requested by ${count.changesRequestedBy.join(', ')}`)
  for (const { login, why } of count.notCounted) parts.push(`${login} not counted: ${why}`)
  return parts.join('; ')
}
