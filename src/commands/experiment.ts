import { InputError } from '../domain/input-error.js'
import {
  chooseAction,
  DECISION_WEIGHT,
  DEFAULT_CONFIDENCE,
  experimentMetrics,
  experimentRecord,
  judgeChallenger,
  type ChallengerJudgement
} from '../domain/experiment/plan.js'
import type { ExperimentDecision } from '../domain/experiment/decide.js'
import { armPath, ExperimentDataError, metricKeys } from '../domain/experiment/windows.js'
import { experimentBranch, experimentOfBranch } from '../domain/names.js'
import {
  DEFAULT_RECORDS_FOLDER,
  productionEntries,
  readableRecord,
  recordPath,
  type ProductionEntry
} from '../domain/record.js'
import { gateMerges, type HistoryOptions } from '../gate/history.js'
import { prepareRecordPullRequest, type PreparedPullRequest } from '../gate/open-pr.js'
import type { PromotionRepository } from '../github/repository.js'
import type { ModelVersion } from '../domain/registry-model.js'
import {
  defaultExperimentName,
  findWindowsRun,
  readHistories,
  readLoggedModelHistories
} from '../registry/experiment-windows.js'
import { lifecycleFromPolicy } from '../registry/lifecycle/from-policy.js'
import { actionTitle, experimentBody, renderExperiment, type ExperimentReport } from '../report/experiment.js'
import { fitMarkdown } from '../report/markdown.js'
import type { CommandContext, CommandOutcome } from './command.js'
import { gitHubRepository } from './gate-access.js'
import { selectModels, type CoveredModel } from './models.js'
import { loadPolicyFile } from './policy-file.js'

const DAY_MS = 24 * 60 * 60 * 1000

/** One model's experiment, read and judged; `prepared` is its pull request, checked and not written yet. */
interface ModelExperiment {
  report: ExperimentReport
  prepared?: PreparedPullRequest
}

/**
 * `experiment` (on a schedule): for each model whose policy has an `experiment` and that has several production
 * versions, reads the serving layer's windows of every version, judges each challenger against the primary with
 * always-valid intervals and, when a decision changes traffic (a step, a winner, a loser), opens or updates the
 * pull request that changes the record, which needs the policy's approvals like any other. Everything is read and
 * checked for every model before anything is written: a missing or broken window moves nothing.
 */
export async function experimentCommand(context: CommandContext): Promise<CommandOutcome> {
  const { inputs, registry, log } = context
  const repo = await gitHubRepository(context)
  if (repo === undefined) {
    throw new InputError(
      'experiment reads the traffic in force from the record’s history on GitHub (merged gate pull requests) and proposes changes as pull requests, so it needs GITHUB_REPOSITORY and `github-token`.'
    )
  }
  const loaded = await loadPolicyFile(context.workspace, inputs.policy)
  const models = (await selectModels(registry, loaded.policy, loaded.path, inputs.model)).filter(
    covered => covered.entry.policy.production?.experiment !== undefined
  )
  if (inputs.model !== undefined && models.length === 0) {
    throw new InputError(
      `The policy ${loaded.path} has no \`production.experiment\` for ${inputs.model}; add one (see docs/experiments.md) to run an experiment on it.`
    )
  }
  const folder = loaded.policy.records ?? DEFAULT_RECORDS_FOLDER
  const lifecycle = lifecycleFromPolicy(registry, loaded.policy)
  const planned: ModelExperiment[] = []
  const quiet: string[] = []
  log.section?.('Experiments: the windows read and judged (nothing is written yet)')
  for (const covered of models) {
    const { model } = covered
    const [versions, registered] = await Promise.all([
      registry.versionsOf(model),
      registry.getRegisteredModel(model)
    ])
    const production = lifecycle.productionIn(versions, registered)
    if (production.length < 2) {
      quiet.push(
        `${model}: ${production.length === 0 ? 'no production version' : `only v${production[0]} in production`}; no experiment is running`
      )
      log.info(quiet.at(-1)!)
      continue
    }
    const recordFile = recordPath(folder, model)
    const history = await trafficInForce(
      repo,
      registry,
      {
        recordFile,
        policyPath: inputs.policy,
        now: context.now()
      },
      model,
      production
    )
    const report = await judgeModel(context, covered, { ...history, versions })
    for (const j of report.judgements) {
      log.info(
        `${model}: v${j.version} (${j.traffic}%) against v${report.primary}: ${j.verdict.decision} (${j.verdict.reason})`
      )
    }
    const action = report.action
    const branch = action && experimentBranch(model, action.version, action.traffic)
    const prepared =
      action && branch && inputs.openPr && !inputs.dryRun
        ? await prepareRecordPullRequest(repo, {
            model,
            recordsFolder: folder,
            branch,
            title: actionTitle(model, action),
            entries: () => action.proposed,
            // Every run brings fresh evidence: the body is rewritten when it changed.
            refreshBody: true,
            reviewers: covered.entry.policy.production?.reviewers ?? [],
            labels: covered.entry.policy.production?.labels ?? [],
            // An earlier decision's pull request, not merged, is replaced by this one.
            supersedes: pull =>
              experimentOfBranch(model, pull.headRef) !== undefined && pull.headRef !== branch,
            strategy: 'ab',
            registryProduction: async () => production
          })
        : undefined
    planned.push({ report, prepared })
  }

  if (planned.some(p => p.prepared)) log.section?.('Writes: the experiment pull requests')
  for (const item of planned) {
    if (item.prepared === undefined) continue
    const pull = await item.prepared.open(experimentBody(item.report))
    for (const warning of pull.warnings) log.warning(warning)
    item.report.pullRequest = { number: pull.number, url: pull.url }
    log.info(
      `${item.report.model}: pull request #${pull.number} ${pull.created ? 'opened' : 'updated'} (${pull.url})`
    )
  }
  return outcome(planned, quiet, inputs.dryRun)
}

/**
 * The traffic in force, as the gate can prove it: the record of the newest merge through the gate, which must name
 * the registry's production versions; and when each version entered production (the oldest merge of the unbroken
 * run of merges that list it), which starts its experiment's clock. Registry tags (traffic, dates) are writable by
 * any registry user, and the record on the default branch by anyone who can push there, so neither is trusted.
 */
async function trafficInForce(
  repo: PromotionRepository,
  registry: CommandContext['registry'],
  options: HistoryOptions,
  model: string,
  production: string[]
): Promise<{ entries: ProductionEntry[]; since: Map<string, string> }> {
  let entries: ProductionEntry[] | undefined
  const since = new Map<string, string>()
  const open = new Set<string>()
  for await (const merge of gateMerges(repo, registry, options)) {
    if (entries === undefined) {
      entries = merge.entries
      const named = entries.map(e => e.version)
      if (named.length !== production.length || named.some(v => !production.includes(v))) {
        throw new ExperimentDataError(
          `The registry's production of ${model} (${production.map(v => `v${v}`).join(', ')}) is not the record last merged through the gate (#${merge.number}: ${named.map(v => `v${v}`).join(', ')}); run audit and bring them in line before an experiment decides anything.`
        )
      }
      for (const entry of entries.slice(1)) open.add(entry.version)
    }
    for (const version of open) {
      if (merge.entries.some(e => e.version === version)) since.set(version, merge.mergedAt)
      else open.delete(version)
    }
    if (open.size === 0) break
  }
  if (entries === undefined) {
    throw new ExperimentDataError(
      `${model} has ${production.length} production versions, but no merge through the gate on the default branch lists them (${options.recordFile}); an experiment runs on traffic set through the gate.`
    )
  }
  const defaultBranch = await repo.defaultBranch()
  const onDefault = await repo.readFile(options.recordFile, defaultBranch)
  const current = onDefault && readableRecord(onDefault.content, options.recordFile)
  const same = (a: ProductionEntry[], b: ProductionEntry[]) =>
    a.length === b.length && a.every((e, i) => e.version === b[i].version && e.traffic === b[i].traffic)
  if (!current || !same(productionEntries(current), entries)) {
    throw new ExperimentDataError(
      `${options.recordFile} on ${defaultBranch} is not the record last merged through the gate; run audit, and restore the merged record before an experiment decides anything.`
    )
  }
  return { entries, since }
}

/** Reads every production version's windows and judges each challenger; the strongest decision becomes the action. */
async function judgeModel(
  context: CommandContext,
  { model, entry }: CoveredModel,
  inForce: { entries: ProductionEntry[]; since: Map<string, string>; versions: ModelVersion[] }
): Promise<ExperimentReport> {
  const { registry } = context
  const policy = entry.policy.production!.experiment!
  const specs = experimentMetrics(policy)
  const keys = specs.flatMap(metricKeys)
  const experimentName = policy.mlflow_experiment ?? defaultExperimentName(model)
  const { entries } = inForce
  const byNumber = new Map(inForce.versions.map(v => [v.version, v]))
  const windows = await Promise.all(
    entries.map(async ({ version }) => {
      if (policy.dataset !== undefined) {
        return {
          version,
          ...(await readLoggedModelHistories(registry, byNumber.get(version)!, policy.dataset, keys))
        }
      }
      const runId = await findWindowsRun(registry, experimentName, model, version)
      return {
        version,
        source: `run ${runId} of v${version}`,
        histories: await readHistories(registry, runId, keys)
      }
    })
  )
  const [primary, ...challengers] = windows
  const now = context.now().getTime()
  const judgements: ChallengerJudgement[] = challengers.map(challenger => {
    const paths = specs.map(spec => {
      const challengerPath = armPath(spec, challenger.histories, challenger.source)
      const from = challengerPath.windows[0]
      return { challenger: challengerPath, primary: armPath(spec, primary.histories, primary.source, from) }
    })
    const entered = Date.parse(inForce.since.get(challenger.version) ?? '')
    return judgeChallenger(policy, entries, {
      version: challenger.version,
      paths,
      // Unknown entry into production counts as just now: the clock can only be late, never early.
      elapsedDays: Number.isFinite(entered) ? (now - entered) / DAY_MS : 0
    })
  })
  const chosen = chooseAction(judgements)
  return {
    model,
    metric: policy.metric.name,
    confidence: policy.confidence ?? DEFAULT_CONFIDENCE,
    primary: primary.version,
    entries,
    judgements,
    action: chosen && {
      version: chosen.judgement.version,
      decision: chosen.judgement.verdict.decision,
      traffic: chosen.traffic,
      proposed: experimentRecord(entries, chosen.judgement.version, chosen.traffic)
    },
    versionUrl: version => registry.modelVersionUrl(model, version)
  }
}

/** The strongest decision over every challenger of every model: what `decision` reports. */
function strongest(planned: ModelExperiment[]): ExperimentDecision | 'none' {
  let best: ExperimentDecision | 'none' = 'none'
  for (const { report } of planned) {
    for (const j of report.judgements) {
      if (DECISION_WEIGHT[j.verdict.decision] > DECISION_WEIGHT[best]) best = j.verdict.decision
    }
  }
  return best
}

function outcome(planned: ModelExperiment[], quiet: string[], dryRun: boolean): CommandOutcome {
  const decision = strongest(planned)
  const pulls = planned.flatMap(p => (p.report.pullRequest ? [p.report.pullRequest] : []))
  const summary = fitMarkdown(
    [
      ...planned.map(p => renderExperiment(p.report)),
      ...(planned.length === 0 ? ['### ℹ️ No experiment is running', ''] : []),
      ...quiet.map(line => `- ${line}`),
      ...(dryRun ? ['', '_Dry run: no pull request was opened._'] : [])
    ].join('\n')
  )
  const result = {
    command: 'experiment',
    decision,
    models: planned.map(({ report }) => ({
      model: report.model,
      primary: report.primary,
      traffic: report.entries,
      challengers: report.judgements.map(j => ({
        version: j.version,
        traffic: j.traffic,
        decision: j.verdict.decision,
        reason: j.verdict.reason,
        effect: finite(j.verdict.effect),
        samples: j.samples,
        windows: j.windows,
        guardrails: j.verdict.guardrails.map(g => ({
          name: g.name,
          state: g.state,
          regression: finite(g.regression),
          maxRegression: g.maxRegression
        }))
      })),
      action: report.action && {
        version: report.action.version,
        decision: report.action.decision,
        traffic: report.action.traffic,
        proposed: report.action.proposed
      },
      pullRequest: report.pullRequest
    })),
    notes: quiet
  }
  return {
    outputs: {
      decision,
      version: planned.flatMap(p => (p.report.action ? [p.report.action.version] : [])).join(','),
      report: summary,
      result: JSON.stringify(result),
      'pr-number': pulls.map(p => String(p.number)).join(','),
      'pr-url': pulls.map(p => p.url).join(',')
    },
    summary
  }
}

/** JSON has no infinity: an unbounded side of an interval is null. */
function finite(interval: { estimate: number; lower: number; upper: number }) {
  const value = (x: number) => (Number.isFinite(x) ? x : null)
  return { estimate: value(interval.estimate), lower: value(interval.lower), upper: value(interval.upper) }
}
