import pLimit from 'p-limit'
import { evaluatePolicy } from '../domain/policy/evaluate.js'
import { loadPolicyFile, type LoadedPolicy } from './policy-file.js'
import { evidenceOptionsFor, metricRules } from '../domain/policy/rules.js'
import type { Rule } from '../domain/policy/schema.js'
import type { Evidence } from '../domain/evidence.js'
import { gatherEvidence, resolveVersion } from '../registry/evidence.js'
import { lifecycleFromPolicy } from '../registry/lifecycle/from-policy.js'
import { DEFAULT_ALIASES, type Lifecycle } from '../registry/lifecycle/index.js'
import type { ModelVersion } from '../domain/registry-model.js'
import { diffSignatureInputs } from '../domain/signature.js'
import { TAGS, tagValue, workflowRunUrl } from '../domain/tags.js'
import type { TrendPoint } from '../domain/trend.js'
import { readMetricTrend, readRecentVersions } from '../registry/trend.js'
import {
  renderEvaluation,
  renderEvaluateReport,
  type Decision,
  type StagingOutcome,
  type VersionEvaluation
} from '../report/evaluation.js'
import { fitMarkdown } from '../report/markdown.js'
import {
  preparePromotionPullRequest,
  type PreparedPullRequest,
  type PromotionRequest
} from '../gate/open-pr.js'
import { DEFAULT_RECORDS_FOLDER, evenSplit } from '../domain/record.js'
import type { CommandContext, CommandOutcome } from './command.js'
import { findTargets, type EvaluationTarget } from './evaluate-targets.js'
import { memoizedReads } from '../registry/memo.js'
import { gitHubRepository, NO_REPOSITORY_WARNING } from './gate-access.js'

const KEY_METRICS_IN_CHARTS = 4

/** `evaluate`: gather evidence, apply the staging rules, move passing versions to Staging, tag the verdict. */
export async function evaluateCommand(context: CommandContext): Promise<CommandOutcome> {
  const { inputs, registry, log } = context
  const loaded = await loadPolicyFile(context.workspace, inputs.policy)
  const lifecycle = lifecycleFromPolicy(registry, loaded.policy)
  const notes: string[] = []
  if (lifecycle.kind === 'stages') {
    const warning =
      'The policy uses MLflow model stages, which MLflow deprecated in 2.9. Consider `registry.lifecycle: both` ' +
      'while your serving code moves to aliases, then `aliases`.'
    log.warning(warning)
    notes.push(warning)
  }
  const {
    targets,
    skipped,
    notes: pollNotes
  } = await findTargets(registry, lifecycle, loaded.policy, loaded.path, inputs.model, inputs.version)
  notes.push(...pollNotes)
  for (const s of skipped) log.info(`${s.model} v${s.version}: left alone (${s.reason})`)

  // Every precondition first (the policy above; each version's evidence, the GitHub token and each pull request's
  // branch here), then the writes: a run that cannot finish stops while the registry and GitHub are as they were.
  log.section?.('Evidence and verdicts (nothing is written yet)')
  // Each version's reads are independent of the others': several versions are read at once, in a bounded pool.
  // Nothing is written while planning, so the polled versions of a model share one read of what they have in
  // common (the registered model, the champion's version, run and MLmodel, the recent versions).
  const planning = { ...context, registry: memoizedReads(registry) }
  const planningLifecycle = lifecycleFromPolicy(planning.registry, loaded.policy)
  const reads = pLimit(PLANNING_CONCURRENCY)
  const planned = await Promise.all(
    targets.map(target => reads(() => planTarget(planning, loaded, planningLifecycle, target)))
  )
  const wanted: PlannedEvaluation[] = []
  for (const plan of planned)
    if (await wantsPullRequest(context, lifecycle, plan.evaluation)) wanted.push(plan)
  const repo = wanted.length > 0 ? await gitHubRepository(context) : undefined
  if (wanted.length > 0 && repo === undefined) log.warning(NO_REPOSITORY_WARNING)
  if (repo !== undefined) {
    for (const plan of wanted) {
      const prepared = await preparePromotionPullRequest(
        repo,
        await promotionRequest(lifecycle, loaded, plan)
      )
      const body = prepared.needsBody ? await evidenceReport(context, loaded, lifecycle, plan) : undefined
      plan.pullRequest = { prepared, body }
    }
  }

  log.section?.(inputs.dryRun ? 'Dry run: nothing is written' : 'Writes: Staging, tags, pull requests')
  const evaluations: VersionEvaluation[] = []
  for (const plan of planned) {
    const { evaluation } = plan
    if (plan.fresh && !inputs.dryRun) await applyEvaluation(context, lifecycle, plan)
    log.info(describe(evaluation))
    if (plan.pullRequest !== undefined) {
      const pull = await plan.pullRequest.prepared.open(plan.pullRequest.body)
      evaluation.pullRequest = pull
      for (const warning of pull.warnings) log.warning(warning)
      log.info(
        `${evaluation.model} v${evaluation.version}: promotion pull request #${pull.number} ${pull.created ? 'opened' : 'up to date'} (${pull.url})`
      )
    }
    evaluations.push(evaluation)
  }

  const report = fitMarkdown(renderEvaluateReport(evaluations, skipped, notes))
  const decision = overallDecision(evaluations)
  const result = {
    command: 'evaluate',
    dryRun: inputs.dryRun,
    decision,
    policy: { path: loaded.path, sha: loaded.sha },
    evaluations,
    skipped
  }
  const rejected = evaluations.filter(e => e.decision === 'failed')
  const pulls = evaluations.flatMap(e => (e.pullRequest ? [e.pullRequest] : []))
  return {
    outputs: {
      decision,
      version: evaluations.map(e => e.version).join(','),
      report,
      result: JSON.stringify(result),
      'pr-number': pulls.map(p => String(p.number)).join(','),
      'pr-url': pulls.map(p => p.url).join(',')
    },
    summary: report,
    failure:
      inputs.failOnReject && rejected.length > 0
        ? `Rejected by the policy: ${rejected.map(e => `${e.model} v${e.version}`).join(', ')}. ` +
          'The report lists each failed rule; set `fail-on-reject: false` to let the step pass.'
        : undefined
  }
}

/** Versions whose evidence is read at once when a poll finds several: each needs a handful of requests. */
const PLANNING_CONCURRENCY = 8

async function wantsPullRequest(
  context: CommandContext,
  lifecycle: Lifecycle,
  evaluation: VersionEvaluation
): Promise<boolean> {
  if (!context.inputs.openPr || context.inputs.dryRun || evaluation.decision !== 'passed') return false
  if (evaluation.staging === 'moved') return true
  if (evaluation.staging !== 'unchanged') return false
  const production = evaluation.production ?? (await lifecycle.productionVersions(evaluation.model))
  return !production.includes(evaluation.version)
}

/** Production versions without recorded weights: the first takes the remainder. */
function overallDecision(evaluations: VersionEvaluation[]): string {
  if (evaluations.length === 0) return 'none'
  if (evaluations.every(e => e.decision === 'passed')) return 'passed'
  if (evaluations.every(e => e.decision === 'failed')) return 'failed'
  return 'mixed'
}

function describe(evaluation: VersionEvaluation): string {
  const name = `${evaluation.model} v${evaluation.version}`
  if (evaluation.staging === 'unchanged') {
    return `${name}: already evaluated with this policy (${evaluation.decision} on ${evaluation.evaluatedAt}); nothing to do`
  }
  const failed = evaluation.rules.filter(rule => rule.verdict === 'fail').length
  const outcome: Record<Exclude<StagingOutcome, 'unchanged'>, string> = {
    moved: `moved to Staging (${evaluation.stagingTarget})`,
    'would-move': `dry run: would move to Staging (${evaluation.stagingTarget})`,
    'in-production': 'already in production, left in place',
    'not-moved': `${failed} blocking rule${failed === 1 ? '' : 's'} failed, not moved`
  }
  return `${name}: ${evaluation.decision}; ${outcome[evaluation.staging]}`
}

interface PlannedEvaluation {
  target: EvaluationTarget
  evaluation: VersionEvaluation
  /** A new evaluation, whose move and tags are still to be written; false when an earlier run's tags stand. */
  fresh: boolean
  /** The pull request to open once the evaluation is written, with its body when it needs one. */
  pullRequest?: { prepared: PreparedPullRequest; body: string | undefined }
}

/** Evaluates one version without writing anything: the earlier verdict when this policy already judged it. */
async function planTarget(
  context: CommandContext,
  loaded: LoadedPolicy,
  lifecycle: Lifecycle,
  target: EvaluationTarget
): Promise<PlannedEvaluation> {
  const { registry } = context
  const version =
    typeof target.version === 'string'
      ? await resolveVersion(registry, target.model, target.version)
      : target.version
  const earlier = previousEvaluation(version, loaded.sha)
  if (earlier !== undefined) {
    const production = await lifecycle.productionVersions(target.model)
    const champion = production.find(v => v !== version.version)
    const evaluation: VersionEvaluation = {
      ...identity(context, loaded, lifecycle, target, version),
      ...earlier,
      production,
      champion:
        champion === undefined
          ? undefined
          : { version: champion, url: registry.modelVersionUrl(target.model, champion) },
      staging: 'unchanged',
      rules: [],
      signature: {},
      trend: [],
      keyMetrics: [],
      tags: {}
    }
    return { target, evaluation, fresh: false }
  }
  return { target, evaluation: await assessVersion(context, loaded, lifecycle, target, version), fresh: true }
}

async function applyEvaluation(
  context: CommandContext,
  lifecycle: Lifecycle,
  { target, evaluation }: PlannedEvaluation
): Promise<void> {
  // The move comes first and the decision tag last: a decision tag means the whole evaluation was applied.
  // (The poll takes a version with a decision tag as evaluated, and archive reads its evaluated_at.)
  if (evaluation.staging === 'moved') await lifecycle.moveToStaging(target.model, evaluation.version)
  const { [TAGS.decision]: decision, ...others } = evaluation.tags
  await Promise.all(
    Object.entries(others).map(([key, value]) =>
      context.registry.setModelVersionTag(target.model, evaluation.version, key, value)
    )
  )
  if (decision !== undefined) {
    await context.registry.setModelVersionTag(target.model, evaluation.version, TAGS.decision, decision)
  }
}

async function promotionRequest(
  lifecycle: Lifecycle,
  loaded: LoadedPolicy,
  { target, evaluation }: PlannedEvaluation
): Promise<PromotionRequest> {
  const production = target.entry.policy.production
  return {
    model: evaluation.model,
    version: evaluation.version,
    recordsFolder: loaded.policy.records ?? DEFAULT_RECORDS_FOLDER,
    strategy: production?.strategy ?? 'replace',
    registryProduction: evenSplit(
      evaluation.production ?? (await lifecycle.productionVersions(evaluation.model))
    ),
    refreshBody: evaluation.staging !== 'unchanged',
    reviewers: production?.reviewers ?? [],
    labels: production?.labels ?? []
  }
}

/**
 * The evidence report a pull request body shows: this run's evaluation, or for a version an earlier run evaluated
 * (whose tags stand), the evidence gathered again — read here, before anything is written.
 */
async function evidenceReport(
  context: CommandContext,
  loaded: LoadedPolicy,
  lifecycle: Lifecycle,
  { target, evaluation }: PlannedEvaluation
): Promise<string> {
  if (evaluation.staging !== 'unchanged') return renderEvaluation(evaluation)
  const version = await context.registry.getModelVersion(evaluation.model, evaluation.version)
  return renderEvaluation(await assessVersion(context, loaded, lifecycle, target, version))
}

function identity(
  context: CommandContext,
  loaded: LoadedPolicy,
  lifecycle: Lifecycle,
  target: EvaluationTarget,
  version: ModelVersion
) {
  return {
    model: target.model,
    version: version.version,
    stagingTarget: stagingTarget(lifecycle, loaded),
    dryRun: context.inputs.dryRun,
    policy: { path: loaded.path, sha: loaded.sha, entry: target.entry.key },
    links: { version: context.registry.modelVersionUrl(target.model, version.version) }
  }
}

/** Reads the evidence and applies the rules; writes nothing. */
async function assessVersion(
  context: CommandContext,
  loaded: LoadedPolicy,
  lifecycle: Lifecycle,
  target: EvaluationTarget,
  version: ModelVersion
): Promise<VersionEvaluation> {
  const { registry, inputs } = context
  const base = identity(context, loaded, lifecycle, target, version)
  const rules = target.entry.policy.staging.rules
  let resolveExperiments: (ids: string[]) => void = () => undefined
  const experiments = new Promise<string[]>(resolve => (resolveExperiments = resolve))
  // One search serves the chart and spares reading the champion again when it is among the recent versions.
  const recent = readRecentVersions(registry, target.model)
  const trend = readTrendQuietly(context, recent, experiments)
  let evidence: Evidence
  try {
    evidence = await gatherEvidence(
      registry,
      lifecycle,
      target.model,
      version,
      evidenceOptionsFor(target.entry.policy),
      recent.catch(() => [])
    )
  } catch (error) {
    resolveExperiments([])
    throw error
  }
  resolveExperiments(experimentIds(evidence))
  const now = context.now()
  const verdict = evaluatePolicy(target.entry.policy, evidence, now)
  const decision: Decision = verdict.passed ? 'passed' : 'failed'
  const tags: Record<string, string> = {
    [TAGS.decision]: decision,
    [TAGS.evaluatedAt]: now.toISOString(),
    [TAGS.policySha]: loaded.sha
  }
  const runUrl = workflowRunUrl(context.env)
  if (runUrl !== undefined) tags[TAGS.workflowRun] = runUrl

  const [champion] = evidence.champions
  const run = evidence.candidate.run
  return {
    ...base,
    decision,
    staging: stagingOutcome(decision, evidence, inputs.dryRun),
    production: evidence.production,
    evaluatedAt: now.toISOString(),
    links: {
      ...base.links,
      run: run && registry.runUrl(run.experimentId, run.runId)
    },
    run: run && { id: run.runId, name: run.name },
    champion: champion && {
      version: champion.version.version,
      url: registry.modelVersionUrl(target.model, champion.version.version)
    },
    rules: verdict.results,
    signature: signatureEvidence(evidence),
    trend: await trend,
    keyMetrics: keyMetrics(rules),
    tags
  }
}

function stagingTarget(lifecycle: Lifecycle, loaded: LoadedPolicy): string {
  const alias = `alias ${loaded.policy.registry?.aliases?.staging ?? DEFAULT_ALIASES.staging}`
  if (lifecycle.kind === 'stages') return 'stage Staging'
  if (lifecycle.kind === 'both') return `stage Staging and ${alias}`
  return alias
}

function previousEvaluation(
  version: ModelVersion,
  policySha: string
): { decision: Decision; evaluatedAt: string } | undefined {
  const decision = tagValue(version.tags, TAGS.decision)
  if (tagValue(version.tags, TAGS.policySha) !== policySha) return undefined
  if (decision !== 'passed' && decision !== 'failed') return undefined
  return { decision, evaluatedAt: tagValue(version.tags, TAGS.evaluatedAt) ?? 'an unknown date' }
}

function stagingOutcome(decision: Decision, evidence: Evidence, dryRun: boolean): StagingOutcome {
  if (decision === 'failed') return 'not-moved'
  if (evidence.production.includes(evidence.candidate.version.version)) return 'in-production'
  return dryRun ? 'would-move' : 'moved'
}

function signatureEvidence(evidence: Evidence): VersionEvaluation['signature'] {
  const { candidate, champions } = evidence
  if (candidate.signature === undefined) {
    return { problem: `no signature (${candidate.signatureProblem ?? 'unknown reason'})` }
  }
  const champion = champions[0]?.signature
  return {
    inputs: candidate.signature.inputs.map((field, index) => field.name ?? `#${index}`),
    diff: champion && diffSignatureInputs(champion, candidate.signature)
  }
}

function experimentIds(evidence: Evidence): string[] {
  const runs = [evidence.candidate, ...evidence.champions].map(v => v.run?.experimentId)
  return [...new Set(runs.filter((id): id is string => id !== undefined))]
}

/** The run metrics the policy names (not dataset or aggregated ones), charted across recent versions. */
function keyMetrics(rules: Rule[]): string[] {
  const plain = metricRules(rules).filter(r => r.dataset === undefined && r.aggregate === undefined)
  return [...new Set(plain.map(r => r.metric))].slice(0, KEY_METRICS_IN_CHARTS)
}

/** The chart is illustration, not evidence: a failed read leaves it out with a warning, never fails the gate. */
async function readTrendQuietly(
  context: CommandContext,
  recent: Promise<ModelVersion[]>,
  experiments: Promise<string[]>
): Promise<TrendPoint[]> {
  try {
    return await readMetricTrend(context.registry, recent, experiments)
  } catch (error) {
    context.log.warning(`The metric chart is left out: ${(error as Error).message}`)
    return []
  }
}
