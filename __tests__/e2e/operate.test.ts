import { describe, expect, it } from '@jest/globals'
import { execFileSync } from 'node:child_process'
import { join } from 'node:path'
import type { LifecycleKind } from '../../src/registry/lifecycle/index.js'
import { rollbackBranch } from '../../src/domain/names.js'
import { workspaceWith } from '../harness/commands.js'
import { POLICY } from '../harness/gate-world.js'
import { useGateWorld } from '../harness/gate-suite.js'
import { runBundle, runCliBundle } from '../harness/runner.js'
import { testServers } from '../harness/servers.js'

const [[label, server]] = testServers()

describe(`rollback against ${label}`, () => {
  const world = useGateWorld(server)
  const { weaker, stronger } = world.seeded

  describe.each<LifecycleKind>(['aliases', 'stages'])('%s lifecycle', lifecycle => {
    it('promote v1, promote v2, rollback: v1 serves again, v2 is out with the reason and who, a record PR follows', async () => {
      const s = await world.scenario([weaker, stronger], { lifecycle })
      const [v1, v2] = s.versions
      await world.promoteThroughGate(s, v1)
      await world.promoteThroughGate(s, v2)
      expect(await world.productionVersions(s)).toEqual([v2])

      const { id } = world.github.addWorkflowRun(s.repo, { event: 'workflow_dispatch', actor: 'dave' })
      const rollback = () =>
        runBundle(world.inputs('rollback', { model: s.model, reason: 'p95 latency doubled' }), {
          env: world.env(s, { GITHUB_RUN_ID: String(id) })
        })
      const result = await rollback()
      expect(result.stdout).toContain(`${s.model}: rolled back to v${v1} (out of production: v${v2})`)
      expect(result.status).toBe(0)
      expect(result.outputs.decision).toBe('rolled-back')
      expect(JSON.parse(result.outputs['archived-versions'])).toEqual([v2])
      expect(await world.productionVersions(s)).toEqual([v1])
      if (lifecycle === 'stages') {
        expect((await world.client.getModelVersion(s.model, v2)).current_stage).toBe('Archived')
      }
      expect(await world.promotionTags(s, v2)).toMatchObject({
        'promotion.rollback_reason': 'p95 latency doubled',
        'promotion.rolled_back_by': 'dave',
        'promotion.rolled_back_to': v1,
        'promotion.rollback_run': `${s.repo}#${id}`,
        'promotion.archived_reason': `rolled back to v${v1}: p95 latency doubled`
      })

      const number = Number(result.outputs['pr-number'])
      const pull = world.github.pullRequest(s.repo, number) as {
        title: string
        head: { ref: string }
        body: string
      }
      expect(pull.title).toBe(`Roll back ${s.model} to v${v1}`)
      expect(pull.body).toContain('**Reason:** p95 latency doubled')
      expect(world.github.readFile(s.repo, pull.head.ref, `.github/models/${s.model}.yml`)).toContain(
        `production:\n  - version: ${v1}\n`
      )

      // Until its record pull request merges, the registry and the record differ by design: audit says whose
      // rollback it was, not "changed outside the gate", and does not fail on it.
      const audited = await runBundle(world.inputs('audit', { model: s.model, 'fail-on-drift': 'true' }), {
        env: world.env(s)
      })
      expect(audited.stdout).not.toContain('::error')
      expect(audited.outputs.decision).toBe('clean')
      expect(audited.summary).toContain(`### ⏪ ${s.model}`)
      const [audit] = JSON.parse(audited.outputs.result).models as { rollback?: string }[]
      expect(audit.rollback).toMatch(
        new RegExp(
          `^rolled back to v${v1} on .* by dave \\(p95 latency doubled\\); the record follows when its pull request #${number} is merged`
        )
      )
      expect(audited.summary).toContain('Rolled back by the gate: rolled back to')
      expect(audited.summary).not.toContain('outside the gate')

      // Re-running the same workflow run changes nothing and keeps the same pull request.
      const before = await world.registryState(s)
      const again = await rollback()
      expect(again.outputs.decision).toBe('unchanged')
      expect(again.outputs['pr-number']).toBe(String(number))
      expect(await world.registryState(s)).toEqual(before)

      // Merging the record pull request through the gate keeps v1 and records the approvals.
      await world.github.review('alice', s.repo, number, 'APPROVE')
      await world.github.review('carol', s.repo, number, 'APPROVE')
      const { sha } = await world.github.merge('bob', s.repo, number)
      const promoted = await world.promote(s, number, 'bob')
      expect(promoted.status).toBe(0)
      expect(await world.productionVersions(s)).toEqual([v1])
      expect((await world.promotionTags(s, v1))['promotion.merge_sha']).toBe(sha)
    })

    it('merging a plain revert of the promotion pull request has the same effect through promote', async () => {
      const s = await world.scenario([weaker, stronger], { lifecycle })
      const [v1, v2] = s.versions
      await world.promoteThroughGate(s, v1)
      const second = await world.promoteThroughGate(s, v2)

      const revert = await world.github.revertPullRequest('alice', s.repo, second.number)
      await world.github.review('bob', s.repo, revert.number, 'APPROVE')
      await world.github.review('dave', s.repo, revert.number, 'APPROVE')
      const { sha } = await world.github.merge('carol', s.repo, revert.number)
      const result = await world.promote(s, revert.number)
      expect(result.status).toBe(0)
      expect(result.outputs.decision).toBe('promoted')
      expect(await world.productionVersions(s)).toEqual([v1])
      const revertUrl = `${world.github.htmlUrl}/${s.repo}/pull/${revert.number}`
      expect(await world.promotionTags(s, v2)).toMatchObject({
        'promotion.rollback_reason': `reverted through ${revertUrl}`,
        'promotion.rolled_back_by': 'carol',
        'promotion.rolled_back_to': v1,
        'promotion.archived_reason': `replaced through ${revertUrl}`
      })
      expect(await world.promotionTags(s, v1)).toMatchObject({
        'promotion.merge_sha': sha,
        'promotion.previous_production': v2,
        'promotion.approved_by': 'bob,dave'
      })
    })
  })

  it('needs a reason, and a dry run writes nothing', async () => {
    const s = await world.scenario([weaker, stronger])
    await world.promoteThroughGate(s, s.versions[0])
    await world.promoteThroughGate(s, s.versions[1])
    const noReason = await runBundle(world.inputs('rollback', { model: s.model, version: s.versions[0] }), {
      env: world.env(s)
    })
    expect(noReason.status).toBe(1)
    expect(noReason.stdout).toContain('rollback needs the input `reason`')

    const before = await world.registryState(s)
    const dry = await runBundle(
      world.inputs('rollback', {
        model: s.model,
        version: s.versions[0],
        reason: 'drill',
        'dry-run': 'true'
      }),
      { env: world.env(s) }
    )
    expect(dry.status).toBe(0)
    expect(dry.outputs.decision).toBe('planned')
    expect(dry.summary).toContain('Rollback planned (dry run)')
    expect(await world.registryState(s)).toEqual(before)
  })

  it('from the CLI outside Actions, records the --actor (else the CI variable) and where the name came from', async () => {
    const s = await world.scenario([weaker, stronger])
    const [v1, v2] = s.versions
    await world.promoteThroughGate(s, v1)
    await world.promoteThroughGate(s, v2)
    const env = {
      GITHUB_REPOSITORY: s.repo,
      GITHUB_API_URL: world.github.url,
      GITHUB_TOKEN: world.bot.token,
      MLFLOW_TRACKING_URI: server.url,
      GITLAB_USER_LOGIN: 'gitlab-dave'
    }
    const rollback = (...extra: string[]) =>
      runCliBundle(['rollback', '--model', s.model, '--reason', 'drill', '--no-open-pr', ...extra], {
        cwd: s.workspace,
        env
      })
    const byActor = await rollback('--actor', 'alice', '--format', 'json')
    expect(byActor.stderr).not.toContain('error')
    expect(byActor.status).toBe(0)
    expect((await world.promotionTags(s, v2))['promotion.rolled_back_by']).toBe('alice (--actor)')

    // Back to v2 through the same command, then without --actor: GitLab's variable names the person.
    await runCliBundle(
      ['rollback', '--model', s.model, '--version', v2, '--reason', 'undo', '--no-open-pr'],
      {
        cwd: s.workspace,
        env
      }
    )
    const byVariable = await rollback('--version', v1)
    expect(byVariable.status).toBe(0)
    expect((await world.promotionTags(s, v2))['promotion.rolled_back_by']).toBe(
      'gitlab-dave (GITLAB_USER_LOGIN)'
    )
  })
})

/** Changes the registry the way a person would outside the gate: with MLflow's own Python client. */
function withPythonClient(venv: string, url: string, statement: string): void {
  const script = `from mlflow import MlflowClient\nc = MlflowClient(${JSON.stringify(url)})\n${statement}\n`
  execFileSync(join(venv, 'bin', 'python'), ['-c', script], {
    stdio: 'pipe',
    env: { ...process.env, MLFLOW_TRACKING_URI: url }
  })
}

describe(`audit against ${label}`, () => {
  const world = useGateWorld(server)
  const { weaker, stronger } = world.seeded

  describe.each<LifecycleKind>(['aliases', 'stages'])('%s lifecycle', lifecycle => {
    it("reports a change made with MLflow's Python client as drift and keeps one issue about it", async () => {
      const s = await world.scenario([weaker, stronger], { lifecycle })
      const [v1, v2] = s.versions
      const { number } = await world.promoteThroughGate(s, v1)
      const audit = (extra: Record<string, string> = {}) =>
        runBundle(world.inputs('audit', { model: s.model, 'drift-issue': 'true', ...extra }), {
          env: world.env(s)
        })

      const clean = await audit()
      expect(clean.status).toBe(0)
      expect(clean.outputs.decision).toBe('clean')
      expect(JSON.parse(clean.outputs.drift)).toEqual([])
      expect(clean.summary).toContain(`### ✅ ${s.model}`)
      expect(clean.summary).toMatch(
        new RegExp(
          `\\| v${v1} \\| \\[promoted\\]\\(${world.github.htmlUrl}/${s.repo}/pull/${number}\\) \\| carol \\| approved by alice,bob`
        )
      )
      expect(clean.summary).toContain('| [evaluated](') // the staging gate's verdict, from the tags
      expect(clean.summary).toContain('Record history:')
      expect(world.github.issues(s.repo)).toEqual([])

      const name = JSON.stringify(s.model)
      withPythonClient(
        server.venv,
        server.url,
        lifecycle === 'stages'
          ? `c.transition_model_version_stage(${name}, "${v2}", "Production", archive_existing_versions=True)`
          : `c.set_registered_model_alias(${name}, "champion", "${v2}")`
      )
      // Rollback tags planted by a registry user (or left by an old rollback) explain nothing without the gate's
      // pull request: still drift, with the tags' claim named.
      await world.client.setModelVersionTag(s.model, v1, 'promotion.rolled_back_to', v2)
      await world.client.setModelVersionTag(s.model, v1, 'promotion.rolled_back_at', new Date().toISOString())
      const drifted = await audit({ 'fail-on-drift': 'true' })
      expect(drifted.status).toBe(1)
      expect(drifted.outputs.decision).toBe('drift')
      const file = `.github/models/${s.model}.yml`
      expect(JSON.parse(drifted.outputs.drift)).toEqual([
        {
          model: s.model,
          expected: [{ version: v1, traffic: 100 }],
          actual: [v2],
          differences: [
            `v${v1} is in the record but not in production`,
            `v${v2} is in production but not in the record`,
            `rollback tags on v${v1} say ${s.model} was rolled back to v${v2}, but no open pull request of the gate on ${rollbackBranch(s.model, v2)}, opened since the record last changed, carries it into the record`
          ],
          advice: expect.stringContaining(`run rollback with version ${v1}`)
        }
      ])
      expect(drifted.stdout).toContain(`::error::Drift in ${s.model}`)
      const [issue] = world.github.issues(s.repo) as {
        title: string
        body: string
        state: string
        labels: { name: string }[]
      }[]
      expect(issue.labels.map(l => l.name)).toEqual(['model-drift'])
      expect(issue.body).toContain(`v${v2} is in production but not in the record`)
      expect(issue.body).toContain(file)

      // Restoring the record's state with rollback clears the drift and closes the issue.
      const restore = await runBundle(
        world.inputs('rollback', {
          model: s.model,
          version: v1,
          reason: 'undo manual change',
          'open-pr': 'false'
        }),
        { env: world.env(s) }
      )
      expect(restore.status).toBe(0)
      const again = await audit()
      expect(again.outputs.decision).toBe('clean')
      expect(world.github.issues(s.repo)).toEqual([expect.objectContaining({ state: 'closed' })])
    })
  })

  it('never fails open: a tracking URI with a wrong path, or a registry without any of the models, is an error', async () => {
    const s = await world.scenario([weaker, stronger], { champion: 0 })
    const wrongPath = await runBundle(
      world.inputs('audit', {
        model: s.model,
        'tracking-uri': `${server.url}/not-mlflow`,
        'fail-on-drift': 'true'
      }),
      { env: world.env(s) }
    )
    expect(wrongPath.status).toBe(1)
    expect(wrongPath.stdout).toMatch(
      /::error::MLflow registered-models\/get failed: ENDPOINT_NOT_FOUND \(HTTP 404\): .*check that the tracking URI is the MLflow server's root/
    )
    expect(wrongPath.stdout).not.toContain('No drift')

    const unregistered = `${s.model}-never-registered`
    const elsewhere = await runBundle(world.inputs('audit', { 'fail-on-drift': 'true' }), {
      env: world.env(s, {
        GITHUB_WORKSPACE: workspaceWith({
          [POLICY]: s.policy.replace(JSON.stringify(s.model), JSON.stringify(unregistered))
        })
      })
    })
    expect(elsewhere.status).toBe(1)
    expect(elsewhere.stdout).toContain(
      `::error::None of the models the policy ${POLICY} names (${unregistered}) is registered in MLflow (not registered: ${unregistered})`
    )

    // A policy of globs alone that matches nothing in this registry is no clean audit either.
    const globs = await runBundle(world.inputs('audit', { 'fail-on-drift': 'true' }), {
      env: world.env(s, {
        GITHUB_WORKSPACE: workspaceWith({
          [POLICY]: s.policy.replace(JSON.stringify(s.model), JSON.stringify('no-such-family-*'))
        })
      })
    })
    expect(globs.status).toBe(1)
    expect(globs.stdout).toContain(
      `::error::None of the models the policy ${POLICY} names (no-such-family-*)`
    )
  })

  it('a record whose model the registry does not have is drift, not a model to skip', async () => {
    const s = await world.scenario([weaker, stronger], { champion: 0 })
    const ghost = `${s.model}-gone`
    const policy = s.policy.replace(JSON.stringify(s.model), JSON.stringify(ghost))
    const workspace = workspaceWith({
      [POLICY]: policy,
      [`.github/models/${ghost}.yml`]: `model: ${ghost}\nproduction:\n  - version: 1\n`
    })
    // Outside Actions and without a token, audit reads the records from the checked-out workspace.
    const run = await runBundle(
      { command: 'audit', 'tracking-uri': server.url, 'fail-on-drift': 'true', 'github-token': '' },
      { env: { GITHUB_ACTIONS: '', GITHUB_WORKSPACE: workspace, GITHUB_REPOSITORY: s.repo } }
    )
    expect(run.status).toBe(1)
    expect(run.stdout).toContain('Reading the promotion records from the workspace')
    expect(JSON.parse(run.outputs.drift)).toEqual([
      expect.objectContaining({
        model: ghost,
        actual: [],
        differences: [
          `the registry has no model named "${ghost}", which .github/models/${ghost}.yml lists`,
          'v1 is in the record but not in production'
        ]
      })
    ])
  })
})
