/** Tags the action records on model versions (the README lists each, with who writes it and when). */
export const TAGS = {
  decision: 'promotion.decision',
  evaluatedAt: 'promotion.evaluated_at',
  policySha: 'promotion.policy_sha',
  workflowRun: 'promotion.workflow_run'
} as const

export const PROMOTE_TAGS = {
  pr: 'promotion.pr',
  approvedBy: 'promotion.approved_by',
  mergedBy: 'promotion.merged_by',
  mergeSha: 'promotion.merge_sha',
  promotedAt: 'promotion.promoted_at',
  previousProduction: 'promotion.previous_production',
  traffic: 'promotion.traffic',
  archivedAt: 'promotion.archived_at',
  archivedReason: 'promotion.archived_reason'
} as const

export const ROLLBACK_TAGS = {
  rolledBackAt: 'promotion.rolled_back_at',
  reason: 'promotion.rollback_reason',
  rolledBackBy: 'promotion.rolled_back_by',
  /** Added to the design's tags: where the version went back to, and the run that did it (for re-runs). */
  rolledBackTo: 'promotion.rolled_back_to',
  run: 'promotion.rollback_run'
} as const

/** The URL of the current workflow run, or undefined outside GitHub Actions. */
export function workflowRunUrl(env: NodeJS.ProcessEnv): string | undefined {
  const { GITHUB_SERVER_URL, GITHUB_REPOSITORY, GITHUB_RUN_ID, GITHUB_RUN_ATTEMPT } = env
  if (!GITHUB_REPOSITORY || !GITHUB_RUN_ID) return undefined
  const server = (GITHUB_SERVER_URL || 'https://github.com').replace(/\/+$/, '')
  const attempt = GITHUB_RUN_ATTEMPT && GITHUB_RUN_ATTEMPT !== '1' ? `/attempts/${GITHUB_RUN_ATTEMPT}` : ''
  return `${server}/${GITHUB_REPOSITORY}/actions/runs/${GITHUB_RUN_ID}${attempt}`
}

export function tagValue(tags: { key: string; value?: string }[], key: string): string | undefined {
  return tags.find(tag => tag.key === key)?.value
}
