import { GitHubStandIn } from '../../tools/github-stand-in/index.js'
import { createLifecycle, type LifecycleKind } from '../../src/registry/lifecycle/index.js'
import type { FixtureClient } from './fixture-client.js'
import { workspaceWith } from './commands.js'
import { runBundle, type BundleRun } from './runner.js'
import { EXPERIMENT_POLICY } from './experiment-specs.js'
import { clientFor, createModelFrom, uniqueName, type TestServer } from './servers.js'

export const POLICY = '.github/model-promotion.yml'

export interface Scenario {
  repo: string
  model: string
  versions: string[]
  policy: string
  workspace: string
  lifecycle: LifecycleKind
}

export interface ScenarioOptions {
  lifecycle?: LifecycleKind
  strategy?: string
  /** Index of the version put in production directly (as before the gate existed); none when undefined. */
  champion?: number
  extraPolicy?: string[]
  /** The policy's production.reviewers (YAML flow list). */
  reviewers?: string
  /** Names to use instead of unique ones (the demo). */
  model?: string
  repo?: string
}

/**
 * A GitHub stand-in with people (alice, bob, carol, dave with write access; mallory and outsider without), a real
 * MLflow server, and helpers that run the committed bundle as a runner would, for end-to-end tests.
 */
export class GateWorld {
  readonly client: FixtureClient
  github!: GitHubStandIn
  bot!: { token: string }

  constructor(readonly server: TestServer) {
    this.client = clientFor(server.url)
  }

  get seeded(): { weaker: [string, string]; stronger: [string, string] } {
    const { iris } = this.server.seed.models
    return { weaker: [iris.name, iris.champion.version], stronger: [iris.name, iris.challenger.version] }
  }

  async start(): Promise<void> {
    this.github = await GitHubStandIn.start()
    this.bot = this.github.addUser('github-actions[bot]', { type: 'Bot' })
    for (const login of ['alice', 'bob', 'carol', 'dave', 'mallory', 'outsider']) this.github.addUser(login)
    this.github.addTeam('acme', 'ml-leads', ['bob', 'carol'])
  }

  async stop(): Promise<void> {
    await this.github.stop()
    await this.client.http.close()
  }

  policyText(model: string, options: ScenarioOptions = {}): string {
    return [
      'version: 1',
      `registry: { lifecycle: ${options.lifecycle ?? 'aliases'} }`,
      'models:',
      `  ${JSON.stringify(model)}:`,
      '    staging:',
      '      rules:',
      '        - { metric: accuracy, min: 0.95 }',
      '        - { metric: f1, baseline: champion, max_regression: 0.005 }',
      '    production:',
      '      approvals: 2',
      '      approvers: [alice, dave, "@acme/ml-leads"]',
      `      strategy: ${options.strategy ?? 'replace'}`,
      `      reviewers: ${options.reviewers ?? '[alice, "@acme/ml-leads"]'}`,
      '      labels: [model-promotion]',
      ...(options.extraPolicy ?? [])
    ].join('\n')
  }

  /** A repository with the policy committed, and an MLflow model made of copies of seeded versions. */
  async scenario(sources: [string, string][], options: ScenarioOptions = {}): Promise<Scenario> {
    const model = options.model ?? uniqueName('gate')
    const repo = options.repo ?? `acme/${uniqueName('models')}`
    const lifecycle = options.lifecycle ?? 'aliases'
    const versions = await createModelFrom(this.client, model, sources)
    if (options.champion !== undefined) {
      await createLifecycle(this.client, lifecycle).promoteReplacing(model, versions[options.champion])
    }
    const policy = this.policyText(model, options)
    this.github.createRepo(repo, {
      files: { [POLICY]: policy, 'README.md': '# models\n' },
      collaborators: {
        alice: 'write',
        bob: 'write',
        carol: 'admin',
        dave: 'write',
        'github-actions[bot]': 'write'
      }
    })
    return { repo, model, versions, policy, workspace: workspaceWith({ [POLICY]: policy }), lifecycle }
  }

  env(s: Scenario, extra: NodeJS.ProcessEnv = {}): NodeJS.ProcessEnv {
    return {
      GITHUB_REPOSITORY: s.repo,
      GITHUB_API_URL: this.github.url,
      GITHUB_SERVER_URL: this.github.htmlUrl,
      GITHUB_WORKSPACE: s.workspace,
      GITHUB_RUN_ID: '7',
      ...extra
    }
  }

  inputs(command: string, extra: Record<string, string> = {}): Record<string, string> {
    return { command, 'tracking-uri': this.server.url, 'github-token': this.bot.token, ...extra }
  }

  evaluate(s: Scenario, version: string): Promise<BundleRun> {
    return runBundle(this.inputs('evaluate', { model: s.model, version }), { env: this.env(s) })
  }

  promote(s: Scenario, pull: number, sender = 'carol'): Promise<BundleRun> {
    return runBundle(this.inputs('promote'), {
      env: this.env(s),
      event: { name: 'pull_request', payload: this.github.pullRequestEvent(s.repo, pull, 'closed', sender) }
    })
  }

  /** evaluate → pull request → alice and bob approve → carol merges; `promote` is what is left. */
  async mergedPromotion(s: Scenario, version: string): Promise<{ number: number; sha: string }> {
    const evaluated = await this.evaluate(s, version)
    if (evaluated.status !== 0) throw new Error(`evaluate failed:\n${evaluated.stdout}`)
    const number = Number(evaluated.outputs['pr-number'])
    await this.github.review('alice', s.repo, number, 'APPROVE')
    await this.github.review('bob', s.repo, number, 'APPROVE')
    const { sha } = await this.github.merge('carol', s.repo, number)
    return { number, sha }
  }

  /** evaluate → pull request → alice and bob approve → carol merges → promote; returns the merge sha. */
  async promoteThroughGate(s: Scenario, version: string): Promise<{ number: number; sha: string }> {
    const { number, sha } = await this.mergedPromotion(s, version)
    const promoted = await this.promote(s, number)
    if (promoted.status !== 0) throw new Error(`promote failed:\n${promoted.stdout}`)
    return { number, sha }
  }

  /** An A/B experiment under EXPERIMENT_POLICY: v1 in production, v2 promoted beside it at 10 % through the gate. */
  async experimentScenario(): Promise<Scenario> {
    const { weaker, stronger } = this.seeded
    const s = await this.scenario([weaker, stronger], {
      champion: 0,
      strategy: 'ab',
      extraPolicy: EXPERIMENT_POLICY
    })
    await this.promoteThroughGate(s, s.versions[1])
    return s
  }

  /** The `experiment` command on the scenario's model, as a scheduled run. */
  experiment(s: Scenario, extra: Record<string, string> = {}): Promise<BundleRun> {
    return runBundle(this.inputs('experiment', { model: s.model, ...extra }), { env: this.env(s) })
  }

  /** `verify` on a pull request, as its `opened` event starts it. */
  verify(s: Scenario, pull: number): Promise<BundleRun> {
    return runBundle(this.inputs('verify'), {
      env: this.env(s),
      event: { name: 'pull_request', payload: this.github.pullRequestEvent(s.repo, pull, 'opened', 'alice') }
    })
  }

  async registryState(s: Scenario) {
    const registered = await this.client.getRegisteredModel(s.model)
    const versions = await Promise.all(s.versions.map(v => this.client.getModelVersion(s.model, v)))
    return {
      aliases: registered.aliases,
      versions: versions.map(v => ({ version: v.version, stage: v.current_stage, tags: v.tags }))
    }
  }

  async promotionTags(s: Scenario, version: string): Promise<Record<string, string>> {
    const mv = await this.client.getModelVersion(s.model, version)
    return Object.fromEntries(mv.tags.filter(t => t.key.startsWith('promotion.')).map(t => [t.key, t.value]))
  }

  productionVersions(s: Scenario): Promise<string[]> {
    return createLifecycle(this.client, s.lifecycle).productionVersions(s.model)
  }
}
