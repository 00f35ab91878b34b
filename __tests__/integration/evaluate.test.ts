import { afterAll, describe, expect, it } from '@jest/globals'
import { evaluateCommand } from '../../src/commands/evaluate.js'
import { gitBlobSha } from '../../src/commands/policy-file.js'
import type { RuleResult } from '../../src/domain/policy/evaluate.js'
import { createLifecycle, type LifecycleKind } from '../../src/registry/lifecycle/index.js'
import type { VersionEvaluation } from '../../src/report/evaluation.js'
import { runCommand, workspaceWith, type CommandRun } from '../harness/commands.js'
import { clientFor, createModelFrom, testServers, uniqueName } from '../harness/servers.js'

const POLICY_PATH = '.github/model-promotion.yml'
const kinds: LifecycleKind[] = ['aliases', 'stages']

describe.each(testServers())('evaluate against %s', (_label, server) => {
  const client = clientFor(server.url)
  afterAll(() => client.http.close())
  const { iris, signatures, no_signature } = server.seed.models
  // Seeded runs: the champion run (accuracy 0.95, f1 0.94, latency 42, loss … 0.3, 0.25, holdout auc 0.955) and
  // the challenger run (accuracy 0.97, f1 0.96, latency 38, nan_metric NaN, loss … 0.2, 0.1, holdout auc 0.975).
  const weaker: [string, string] = [iris.name, iris.champion.version]
  const stronger: [string, string] = [iris.name, iris.challenger.version]

  describe.each(kinds)('%s lifecycle', kind => {
    const lifecycle = createLifecycle(client, kind)

    /** A fresh model whose versions copy the given seeded ones; `champion` (an index) is put in production. */
    async function model(sources: [string, string][], champion?: number): Promise<[string, string[]]> {
      const name = uniqueName(`ev-${kind}`)
      const versions = await createModelFrom(client, name, sources)
      if (champion !== undefined) await lifecycle.promoteReplacing(name, versions[champion])
      return [name, versions]
    }

    function policy(name: string, rules: string[]): string {
      return [
        'version: 1',
        `registry: { lifecycle: ${kind} }`,
        'models:',
        `  ${JSON.stringify(name)}:`,
        '    staging:',
        '      rules:',
        ...rules.map(rule => `        - ${rule}`)
      ].join('\n')
    }

    async function evaluate(
      name: string,
      rules: string[],
      inputs: Record<string, string> = {},
      env: NodeJS.ProcessEnv = {}
    ): Promise<CommandRun> {
      const workspace = workspaceWith({ [POLICY_PATH]: policy(name, rules) })
      return runCommand(evaluateCommand, {
        url: server.url,
        workspace,
        inputs: { model: name, policy: POLICY_PATH, ...inputs },
        env
      })
    }

    function evaluations(run: CommandRun): VersionEvaluation[] {
      if (run.error) throw run.error
      return run.result!.evaluations as VersionEvaluation[]
    }

    function only(run: CommandRun): VersionEvaluation {
      const all = evaluations(run)
      expect(all).toHaveLength(1)
      return all[0]
    }

    function row(evaluation: VersionEvaluation, index = 0): RuleResult {
      return evaluation.rules[index]
    }

    async function tags(name: string, version: string): Promise<Record<string, string>> {
      const mv = await client.getModelVersion(name, version)
      return Object.fromEntries(
        mv.tags.filter(t => t.key.startsWith('promotion.')).map(t => [t.key, t.value])
      )
    }

    it('passes a version, moves it to staging and records the verdict', async () => {
      const [name, [v1, v2]] = await model([weaker, stronger], 0)
      const rules = [
        '{ metric: accuracy, min: 0.95 }',
        '{ metric: latency_p95_ms, max: 100 }',
        '{ metric: f1, baseline: champion, direction: higher, max_regression: 0.005 }',
        '{ signature: compatible }',
        '{ tag: validation_status, equals: passed }',
        '{ param: solver, matches: "^lbfgs$" }',
        '{ run_status: FINISHED }',
        '{ max_age_days: 1 }'
      ]
      const env = {
        GITHUB_REPOSITORY: 'acme/models',
        GITHUB_RUN_ID: '4242',
        GITHUB_SERVER_URL: 'https://github.com'
      }
      const run = await evaluate(name, rules, { version: v2 }, env)
      const evaluation = only(run)
      expect(evaluation.decision).toBe('passed')
      expect(evaluation.staging).toBe('moved')
      expect(evaluation.rules.map(r => r.verdict)).toEqual(Array(8).fill('pass'))
      expect(row(evaluation, 2)).toMatchObject({ observed: 0.96, baseline: 0.94 })
      expect(row(evaluation, 2).delta).toBeCloseTo(0.02)
      expect(evaluation.champion?.version).toBe(v1)
      expect(run.outcome!.outputs.decision).toBe('passed')
      expect(run.outcome!.outputs.version).toBe(v2)
      expect(run.outcome!.failure).toBeUndefined()

      expect(await lifecycle.stagingVersions(name)).toEqual([v2])
      expect(await lifecycle.productionVersions(name)).toEqual([v1])
      const written = await tags(name, v2)
      expect(written).toEqual({
        'promotion.decision': 'passed',
        'promotion.evaluated_at': evaluation.evaluatedAt,
        'promotion.policy_sha': gitBlobSha(Buffer.from(policy(name, rules))),
        'promotion.workflow_run': 'https://github.com/acme/models/actions/runs/4242'
      })

      const report = run.outcome!.outputs.report
      expect(run.outcome!.summary).toBe(report)
      expect(report).toContain('Moved to Staging')
      expect(report).toContain(`(${server.url}/#/models/${encodeURIComponent(name)}/versions/${v2})`)
      expect(report).toContain(
        `#/experiments/${iris.challenger.experiment_id}/runs/${iris.challenger.run_id}`
      )
      expect(report).toContain('| ✅ | f1 vs champion')
      expect(report).toContain('```mermaid\nxychart-beta')
      expect(report).toMatch(/x-axis \["v1", "v2 \(this\)"\]/)
      expect(report).toContain('Signature: inputs unchanged vs champion v1')
    })

    it('fails on an absolute threshold: tags written, no move, the step fails unless told otherwise', async () => {
      const [name, [, v2]] = await model([weaker, stronger], 0)
      const run = await evaluate(name, ['{ metric: accuracy, min: 0.99 }'], { version: v2 })
      const evaluation = only(run)
      expect(evaluation.decision).toBe('failed')
      expect(evaluation.staging).toBe('not-moved')
      expect(row(evaluation).reason).toBe('accuracy is 0.97, below the minimum 0.99')
      expect(run.outcome!.failure).toContain(`Rejected by the policy: ${name} v${v2}`)
      expect(await lifecycle.stagingVersions(name)).toEqual([])
      expect((await tags(name, v2))['promotion.decision']).toBe('failed')
      expect(run.outcome!.outputs.report).toContain('| ❌ | accuracy ≥ 0.99')

      const [other, [, w2]] = await model([weaker, stronger], 0)
      const tolerant = await evaluate(other, ['{ metric: accuracy, min: 0.99 }'], {
        version: w2,
        'fail-on-reject': 'false'
      })
      expect(only(tolerant).decision).toBe('failed')
      expect(tolerant.outcome!.failure).toBeUndefined()
    })

    it('compares with the champion in both directions', async () => {
      // Higher is better: f1 0.94 against a champion at 0.96 is a regression of 0.02.
      const [down, [, d2]] = await model([stronger, weaker], 0)
      const regression = only(
        await evaluate(down, ['{ metric: f1, baseline: champion, max_regression: 0.005 }'], { version: d2 })
      )
      expect(regression.decision).toBe('failed')
      expect(row(regression).reason).toBe(
        'f1 is 0.94 vs 0.96 on champion v1 (-0.02); the policy allows a regression of at most 0.005'
      )
      const tolerated = only(
        await evaluate(down, ['{ metric: f1, baseline: champion, max_regression_pct: 5 }'], { version: d2 })
      )
      expect(tolerated.decision).toBe('passed')

      // Lower is better: latency 38 against 42 is an improvement of 4 (9.5 %).
      const [up, [, u2]] = await model([weaker, stronger], 0)
      const faster = only(
        await evaluate(
          up,
          ['{ metric: latency_p95_ms, baseline: champion, direction: lower, min_improvement_pct: 5 }'],
          {
            version: u2
          }
        )
      )
      expect(faster.decision).toBe('passed')
      expect(row(faster)).toMatchObject({ observed: 38, baseline: 42, delta: -4 })
      const notEnough = only(
        await evaluate(
          up,
          ['{ metric: latency_p95_ms, baseline: champion, direction: lower, min_improvement: 5 }'],
          {
            version: u2
          }
        )
      )
      expect(notEnough.decision).toBe('failed')
      expect(row(notEnough).reason).toContain('an improvement of at least 5')
      // Higher latency in the lower-is-better direction is a regression.
      const [slow, [, s2]] = await model([stronger, weaker], 0)
      const slower = only(
        await evaluate(slow, ['{ metric: latency_p95_ms, baseline: champion, direction: lower }'], {
          version: s2
        })
      )
      expect(slower.decision).toBe('failed')
      expect(row(slower).reason).toContain('(+4)')
    })

    it('passes a champion comparison with a note when there is no champion yet', async () => {
      const [name, [v1]] = await model([stronger])
      const evaluation = only(
        await evaluate(
          name,
          ['{ metric: f1, baseline: champion, min_improvement: 0.01 }', '{ signature: compatible }'],
          {
            version: v1
          }
        )
      )
      expect(evaluation.decision).toBe('passed')
      expect(evaluation.champion).toBeUndefined()
      expect(row(evaluation).reason).toBe('no champion yet to compare with (on_no_baseline: pass)')
      expect(row(evaluation, 1).reason).toBe('no champion yet to compare with')
      expect(await lifecycle.stagingVersions(name)).toEqual([v1])

      const [strict, [s1]] = await model([stronger])
      const refused = only(
        await evaluate(strict, ['{ metric: f1, baseline: champion, on_no_baseline: fail }'], { version: s1 })
      )
      expect(refused.decision).toBe('failed')
    })

    it('fails closed on a missing metric and says which', async () => {
      const [name, [, v2]] = await model([weaker, stronger], 0)
      const evaluation = only(await evaluate(name, ['{ metric: recall, min: 0.5 }'], { version: v2 }))
      expect(evaluation.decision).toBe('failed')
      expect(row(evaluation).reason).toBe(
        `metric recall is not logged on run ${iris.challenger.run_id} (fails closed)`
      )
      const warned = only(
        await evaluate(
          name,
          ['{ metric: recall, min: 0.5, on_missing: warn }', '{ metric: accuracy, min: 0.9 }'],
          {
            version: v2
          }
        )
      )
      expect(warned.decision).toBe('passed')
      expect(row(warned).verdict).toBe('warn')
    })

    it('never passes a NaN metric', async () => {
      const [name, [, v2]] = await model([weaker, stronger], 0)
      const evaluation = only(await evaluate(name, ['{ metric: nan_metric, min: 0 }'], { version: v2 }))
      expect(evaluation.decision).toBe('failed')
      expect(row(evaluation)).toMatchObject({
        observed: 'NaN',
        reason: 'nan_metric is NaN, which never passes'
      })
    })

    it('reads a dataset-qualified metric from the logged model (MLflow 3) and fails closed on 2.x', async () => {
      const [name, [, v2]] = await model([weaker, stronger], 0)
      const evaluation = only(
        await evaluate(
          name,
          ['{ metric: auc, dataset: holdout, min: 0.97 }', '{ metric: auc, dataset: shadow, max: 0.95 }'],
          {
            version: v2
          }
        )
      )
      if (server.seed.mlflow3) {
        expect(evaluation.decision).toBe('passed')
        expect(evaluation.rules.map(r => r.observed)).toEqual([0.975, 0.91])
      } else {
        expect(evaluation.decision).toBe('failed')
        expect(row(evaluation).reason).toBe(
          'metric auc is not logged for dataset holdout: this version is not backed by an MLflow 3 logged model, so it has no dataset metrics (fails closed)'
        )
      }
    })

    it('aggregates over the metric history', async () => {
      const [name, [v1, v2]] = await model([weaker, stronger])
      const rules = [
        '{ metric: loss, aggregate: mean, steps: 3, max: 0.25 }',
        '{ metric: loss, aggregate: min, max: 0.2 }'
      ]
      const good = only(await evaluate(name, rules, { version: v2 }))
      expect(good.decision).toBe('passed')
      expect(good.rules[0].observed).toBeCloseTo(0.2)
      expect(good.rules[1].observed).toBe(0.1)
      const bad = only(await evaluate(name, rules, { version: v1 }))
      expect(bad.decision).toBe('failed')
      expect(bad.rules[0].observed).toBeCloseTo((0.4 + 0.3 + 0.25) / 3)
      expect(bad.rules[1].reason).toBe('min(loss) is 0.25, above the maximum 0.2')
    })

    it('fails a version without a signature when one is required', async () => {
      const [name, [v1]] = await model([[no_signature.name, no_signature.version.version]])
      const evaluation = only(await evaluate(name, ['{ signature: required }'], { version: v1 }))
      expect(evaluation.decision).toBe('failed')
      expect(row(evaluation).reason).toBe(
        'no signature: the model was logged without a signature (fails closed)'
      )
      expect(evaluation.signature.problem).toBe('no signature (the model was logged without a signature)')
    })

    it('fails a signature that removes or retypes an input of the champion', async () => {
      const [name, [, removed, retyped]] = await model(
        [
          [signatures.name, signatures.full.version],
          [signatures.name, signatures.removed.version],
          [signatures.name, signatures.retyped.version]
        ],
        0
      )
      const dropped = only(await evaluate(name, ['{ signature: compatible }'], { version: removed }))
      expect(dropped.decision).toBe('failed')
      expect(row(dropped).reason).toBe('input petal_width removed')
      expect(dropped.signature.diff).toContainEqual({
        name: 'petal_width',
        before: 'double',
        required: true,
        change: 'removed'
      })
      const changed = only(await evaluate(name, ['{ signature: compatible }'], { version: retyped }))
      expect(changed.decision).toBe('failed')
      expect(row(changed).reason).toBe('input sepal_length retyped from double to long')
      expect(await lifecycle.stagingVersions(name)).toEqual([])
    })

    it('evaluates `latest`, the newest version', async () => {
      const [name, [, , v3]] = await model([weaker, weaker, stronger], 0)
      const evaluation = only(
        await evaluate(name, ['{ metric: accuracy, min: 0.96 }'], { version: 'latest' })
      )
      expect(evaluation.version).toBe(v3)
      expect(evaluation.decision).toBe('passed')
    })

    it('polls: evaluates every version without a decision, oldest first, then has nothing left to do', async () => {
      const [name, [v1, v2, v3, v4]] = await model([weaker, weaker, weaker, stronger], 1)
      const rules = ['{ metric: accuracy, min: 0.96 }']
      const first = await evaluate(name, rules, { 'fail-on-reject': 'false' })
      expect(evaluations(first).map(e => [e.version, e.decision])).toEqual([
        [v3, 'failed'],
        [v4, 'passed']
      ])
      const skipped = first.result!.skipped as { version: string; reason: string }[]
      expect(skipped).toEqual([
        {
          model: name,
          version: v1,
          reason: `older than production version ${v2}; evaluate it by number to include it`
        },
        { model: name, version: v2, reason: 'already in production' }
      ])
      expect(first.outcome!.outputs.decision).toBe('mixed')
      expect(await lifecycle.stagingVersions(name)).toEqual([v4])

      const again = await evaluate(name, rules)
      expect(evaluations(again)).toEqual([])
      expect(again.outcome!.outputs.decision).toBe('none')
      expect(again.outcome!.outputs.report).toContain('No version to evaluate.')
    })

    it('re-evaluating with the same policy is a no-op that says so; a changed policy evaluates again', async () => {
      const [name, [v1, v2]] = await model([weaker, stronger], 0)
      const rules = ['{ metric: accuracy, min: 0.96 }']
      const first = only(await evaluate(name, rules, { version: v2 }))
      const before = await tags(name, v2)
      const second = await evaluate(name, rules, { version: v2 })
      expect(only(second)).toMatchObject({
        staging: 'unchanged',
        decision: 'passed',
        evaluatedAt: first.evaluatedAt
      })
      expect(second.logs.map(l => l.message)).toContain(
        `${name} v${v2}: already evaluated with this policy (passed on ${first.evaluatedAt}); nothing to do`
      )
      expect(await tags(name, v2)).toEqual(before)
      expect(await lifecycle.stagingVersions(name)).toEqual([v2])
      // The report of the re-run still names the champion in production.
      expect(only(second).champion?.version).toBe(v1)
      expect(second.outcome!.outputs.report).toContain(`**Champion** [v${v1}](`)
      expect(second.outcome!.outputs.report).not.toContain('none yet')

      const stricter = only(
        await evaluate(name, ['{ metric: accuracy, min: 0.98 }'], { version: v2, 'fail-on-reject': 'false' })
      )
      expect(stricter.decision).toBe('failed')
      expect((await tags(name, v2))['promotion.decision']).toBe('failed')
    })

    it('dry-run writes nothing', async () => {
      const [name, [v1, v2, v3]] = await model([weaker, stronger, weaker], 0)
      const snapshot = async () => ({
        model: await client.getRegisteredModel(name),
        versions: await Promise.all([v1, v2, v3].map(v => client.getModelVersion(name, v)))
      })
      const strip = (state: Awaited<ReturnType<typeof snapshot>>) => ({
        aliases: state.model.aliases,
        versions: state.versions.map(v => ({ stage: v.current_stage, tags: v.tags }))
      })
      const before = strip(await snapshot())
      const run = await evaluate(name, ['{ metric: accuracy, min: 0.96 }'], {
        'dry-run': 'true',
        'fail-on-reject': 'false'
      })
      expect(evaluations(run).map(e => [e.version, e.decision, e.staging])).toEqual([
        [v2, 'passed', 'would-move'],
        [v3, 'failed', 'not-moved']
      ])
      expect(run.outcome!.outputs.report).toContain('Dry run: would move to Staging')
      expect(strip(await snapshot())).toEqual(before)
    })
  })

  it('fails with a clear error when the policy file is missing or does not cover the model', async () => {
    const missing = await runCommand(evaluateCommand, {
      url: server.url,
      workspace: workspaceWith({}),
      inputs: { model: iris.name, version: '1', policy: POLICY_PATH }
    })
    expect(missing.error?.message).toMatch(
      /^The policy file \.github\/model-promotion\.yml does not exist in the workspace .*\. Check out the repository first/
    )
    const uncovered = await runCommand(evaluateCommand, {
      url: server.url,
      workspace: workspaceWith({
        [POLICY_PATH]:
          'version: 1\nmodels:\n  "fraud-*":\n    staging:\n      rules:\n        - { run_status: FINISHED }\n'
      }),
      inputs: { model: iris.name, version: '1', policy: POLICY_PATH }
    })
    expect(uncovered.error?.message).toBe(
      `The policy ${POLICY_PATH} has no entry for model "${iris.name}" (it covers: fraud-*). A model without a policy is never promoted.`
    )
  })

  it('warns that stages are deprecated', async () => {
    const run = await runCommand(evaluateCommand, {
      url: server.url,
      workspace: workspaceWith({
        [POLICY_PATH]: `version: 1\nregistry: { lifecycle: stages }\nmodels:\n  ${iris.name}:\n    staging:\n      rules:\n        - { run_status: FINISHED }\n`
      }),
      inputs: { model: iris.name, version: iris.champion.version, policy: POLICY_PATH, 'dry-run': 'true' }
    })
    expect(run.logs.filter(l => l.level === 'warning').map(l => l.message)).toEqual([
      expect.stringContaining('MLflow model stages, which MLflow deprecated in 2.9')
    ])
  })
})
