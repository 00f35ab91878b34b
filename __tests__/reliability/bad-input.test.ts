import { afterAll, afterEach, beforeAll, describe, expect, it } from '@jest/globals'
import { execFileSync, spawnSync } from 'node:child_process'
import { mkdirSync, mkdtempSync, symlinkSync, writeFileSync } from 'node:fs'
import type { IncomingMessage } from 'node:http'
import { tmpdir } from 'node:os'
import { dirname, join, resolve } from 'node:path'
import { describeFailure, executeCommand } from '../../src/execute.js'
import { promotionBranch } from '../../src/domain/names.js'
import { DEFAULT_RECORDS_FOLDER, recordPath } from '../../src/domain/record.js'
import { readInputs } from '../../src/inputs.js'
import type { Logger } from '../../src/logger.js'
import { quote } from '../../src/registry/client.js'
import { isNotFound } from '../../src/registry/errors.js'
import { workspaceWith } from '../harness/commands.js'
import { POLICY, type Scenario } from '../harness/gate-world.js'
import { useGateWorld } from '../harness/gate-suite.js'
import { TestProxy, type InterceptedResponse } from '../harness/proxy.js'
import { runBundle, type BundleRun } from '../harness/runner.js'
import { postDelivery, startRelay, stopRelay, type RunningRelay } from '../harness/relay.js'
import { createModelFrom, testServers, uniqueName } from '../harness/servers.js'
import { GitHubStandIn } from '../../tools/github-stand-in/index.js'
import { CORPUS, VALID } from '../unit/policy-corpus.js'

/**
 * A corpus of bad input, each case run as a user would meet it: the action must fail with a clear message and
 * write nothing, neither to the MLflow registry (every request goes through a proxy that logs it, and the model's
 * aliases, stages and tags are read back) nor to GitHub (the stand-in's request log).
 */

const [[label, server]] = testServers()
const relayCli = resolve(import.meta.dirname, '../../bin/mlflow-promotion-gate.cjs')

// ---- what a run wrote ---------------------------------------------------------------------------------------

/** A request that changes the registry: anything but a GET or one of MLflow's POST searches (runs/search). */
function isRegistryWrite(request: { method: string; url: string }): boolean {
  return request.method !== 'GET' && !new URL(request.url, 'http://mlflow').pathname.endsWith('/search')
}

/** The one GitHub write a refused promotion makes by design: its report as the gate's comment on the pull request. */
function isRefusalComment(request: { method: string; path: string }): boolean {
  return (
    (request.method === 'POST' && /\/issues\/\d+\/comments$/.test(request.path)) ||
    (request.method === 'PATCH' && /\/issues\/comments\/\d+$/.test(request.path))
  )
}

/** A failed run in words: whether it failed, the message a person reads, and everything it printed. */
interface Attempt {
  failed: boolean
  message: string
  output: string
}

/** Internal errors leaking out instead of a message written for people. */
const INTERNAL_ERROR =
  /\b(TypeError|ReferenceError|RangeError|SyntaxError)\b|Cannot read properties|is not a function|Maximum call stack|\[object Object\]/
const STACK_FRAME = /^\s+at .+:\d+:\d+\)?$/m

/** Runs a command in-process as main.ts does (inputs read and validated, the command, the failure in words). */
async function runInProcess(
  inputs: Record<string, string>,
  options: { workspace: string; env?: NodeJS.ProcessEnv }
): Promise<Attempt> {
  const logs: string[] = []
  const log: Logger = {
    info: message => logs.push(message),
    warning: message => logs.push(`warning: ${message}`),
    error: message => logs.push(`error: ${message}`)
  }
  try {
    const outcome = await executeCommand(
      readInputs(name => inputs[name] ?? ''),
      { env: options.env ?? {}, log, mask: () => undefined, workspace: options.workspace }
    )
    return { failed: outcome.failure !== undefined, message: outcome.failure ?? '', output: logs.join('\n') }
  } catch (error) {
    const message = describeFailure(error, log)
    return { failed: true, message, output: [...logs, message].join('\n') }
  }
}

/** The committed bundle's run: failed when the exit code is not 0, the message from its `::error` lines. */
function bundleAttempt(run: BundleRun): Attempt {
  const unescape = (text: string) => text.replace(/%0A/g, '\n').replace(/%0D/g, '\r').replace(/%25/g, '%')
  const errors = run.stdout
    .split('\n')
    .filter(line => line.startsWith('::error'))
    .map(line => unescape(line.replace(/^::error[^:]*::/, '')))
  return { failed: run.status !== 0, message: errors.join('\n'), output: run.stdout }
}

function write(workspace: string, path: string, content: string | Buffer): void {
  mkdirSync(dirname(join(workspace, path)), { recursive: true })
  writeFileSync(join(workspace, path), content)
}

/** Bytes that are no text at all (NULs included), the same on every run. */
function binaryGarbage(length: number): Buffer {
  return Buffer.from(Array.from({ length }, (_, i) => (i * 7919 + (i >> 3)) % 256))
}

/** A "billion laughs" document: ten aliases of ten aliases of … (100,000 nodes from 5 lines). */
const ALIAS_BOMB = [
  'a: &a [x, x, x, x, x, x, x, x, x, x]',
  'b: &b [*a, *a, *a, *a, *a, *a, *a, *a, *a, *a]',
  'c: &c [*b, *b, *b, *b, *b, *b, *b, *b, *b, *b]',
  'd: &d [*c, *c, *c, *c, *c, *c, *c, *c, *c, *c]',
  'e: [*d, *d, *d, *d, *d, *d, *d, *d, *d, *d]',
  ''
].join('\n')

describe(`bad input against MLflow ${label}`, () => {
  const world = useGateWorld(server)
  const client = world.client
  const proxy = new TestProxy(server.url)
  /** The MLflow URL every command under test is given: the proxy, which logs each request. */
  let mlflow: string
  /** The shared model: v1 in production (alias champion), v2 better, so a command that got through would write. */
  let s: Scenario
  beforeAll(async () => {
    mlflow = await proxy.start()
    s = await world.scenario([world.seeded.weaker, world.seeded.stronger], { champion: 0 })
  })
  afterEach(() => {
    proxy.interceptor = () => undefined
  })
  afterAll(() => proxy.stop())

  /** The model's aliases and, per version, stage and tags, read straight from MLflow; `absent` for no model. */
  async function registryState(model: string) {
    try {
      const registered = await client.getRegisteredModel(model)
      const versions = await client.searchModelVersions(`name=${quote(model)}`)
      return {
        aliases: registered.aliases,
        versions: versions
          .map(v => ({ version: v.version, stage: v.current_stage, tags: v.tags }))
          .sort((a, b) => Number(a.version) - Number(b.version))
      }
    } catch (error) {
      if (isNotFound(error) || /Names cannot contain/.test((error as Error).message)) return 'absent'
      throw error
    }
  }

  interface Checkpoint {
    mlflow: number
    github: number
    model: string
    state: Awaited<ReturnType<typeof registryState>>
  }

  /** Where the logs stand and what the model looks like, before the run under test. */
  async function checkpoint(model = s.model): Promise<Checkpoint> {
    return {
      mlflow: proxy.requests.length,
      github: world.github.requests.length,
      model,
      state: await registryState(model)
    }
  }

  /**
   * The run failed, with a message holding `expected` and no internal error or stack trace; since the checkpoint
   * no write reached MLflow, the model reads back as it was, and nothing was written to GitHub (but the refusal
   * comment on the pull request, when `refusalComment`).
   */
  async function expectRefusedWithoutWrites(
    attempt: Attempt,
    expected: string | RegExp,
    since: Checkpoint,
    options: { refusalComment?: boolean } = {}
  ): Promise<void> {
    expect(attempt.failed).toBe(true)
    if (typeof expected === 'string') expect(attempt.message).toContain(expected)
    else expect(attempt.message).toMatch(expected)
    expect(attempt.message).not.toMatch(INTERNAL_ERROR)
    expect(attempt.output).not.toMatch(STACK_FRAME)
    expect(proxy.requests.slice(since.mlflow).filter(isRegistryWrite)).toEqual([])
    expect(await registryState(since.model)).toEqual(since.state)
    const gitHubWrites = world.github.requests
      .slice(since.github)
      .filter(request => request.method !== 'GET' && request.method !== 'HEAD')
    if (options.refusalComment) {
      expect(gitHubWrites.filter(request => !isRefusalComment(request))).toEqual([])
    } else {
      expect(gitHubWrites).toEqual([])
    }
  }

  /** The GitHub side of a run in Actions: the scenario's repository, the stand-in, the bot's token. */
  function actionsEnv(repo = s.repo, extra: NodeJS.ProcessEnv = {}): NodeJS.ProcessEnv {
    return {
      GITHUB_REPOSITORY: repo,
      GITHUB_API_URL: world.github.url,
      GITHUB_SERVER_URL: world.github.htmlUrl,
      GITHUB_RUN_ID: '7',
      MLFLOW_HTTP_REQUEST_MAX_RETRIES: '1',
      MLFLOW_HTTP_REQUEST_BACKOFF_FACTOR: '0.01',
      ...extra
    }
  }

  /** evaluate of the better version, which would pass, move it to Staging and open a pull request. */
  function evaluateInputs(extra: Record<string, string> = {}): Record<string, string> {
    return {
      command: 'evaluate',
      model: s.model,
      version: s.versions[1],
      'tracking-uri': mlflow,
      'github-token': world.bot.token,
      ...extra
    }
  }

  it('sees the writes of a sound run (the checks below are not vacuous)', async () => {
    const sound = await world.scenario([world.seeded.weaker, world.seeded.stronger], { champion: 0 })
    const since = await checkpoint(sound.model)
    const run = await runInProcess(evaluateInputs({ model: sound.model, version: sound.versions[1] }), {
      workspace: sound.workspace,
      env: actionsEnv(sound.repo)
    })
    expect(run).toMatchObject({ failed: false })
    expect(proxy.requests.slice(since.mlflow).filter(isRegistryWrite).length).toBeGreaterThan(0)
    expect(await registryState(sound.model)).not.toEqual(since.state)
    expect(world.github.requests.slice(since.github).some(r => r.method === 'POST')).toBe(true)
  })

  // ---- 1. policies ------------------------------------------------------------------------------------------

  describe('policies (evaluate with a bad policy file in the workspace)', () => {
    async function evaluateWithPolicy(
      arrange: (workspace: string) => string | void,
      expected: string | RegExp
    ): Promise<void> {
      const workspace = workspaceWith({})
      const policy = arrange(workspace) ?? POLICY
      const since = await checkpoint()
      const run = await runInProcess(evaluateInputs({ policy }), { workspace, env: actionsEnv() })
      await expectRefusedWithoutWrites(run, expected, since)
    }

    // The unit corpus of the loader, at the command level: the first problem, with its position, is the message.
    it.each(CORPUS)('%s (unit corpus)', async (_name, text, problems) => {
      await evaluateWithPolicy(ws => write(ws, POLICY, text), `${POLICY}:${problems[0]}`)
    })

    const covering = (extra: string) =>
      `version: 1\n${extra}models:\n  "*":\n    staging:\n      rules:\n        - { metric: accuracy, min: 0.5 }\n`

    it.each<[string, (ws: string) => string | void, string | RegExp]>([
      [
        'a huge file (5 MB)',
        ws => write(ws, POLICY, VALID + `# ${'padding '.repeat(12)}\n`.repeat(50_000)),
        `${POLICY}:1:1: the policy is larger than 262144 bytes`
      ],
      ['binary garbage', ws => write(ws, POLICY, binaryGarbage(4096)), 'the policy is not text'],
      [
        'UTF-16 text',
        ws => write(ws, POLICY, Buffer.from(`\ufeff${VALID}`, 'utf16le')),
        'the policy is not text'
      ],
      ['a missing file', () => undefined, `The policy file ${POLICY} does not exist in the workspace`],
      [
        'a directory',
        ws => void mkdirSync(join(ws, POLICY), { recursive: true }),
        `The policy file ${POLICY} is a directory`
      ],
      [
        'a named pipe (reading it would never end)',
        ws => {
          mkdirSync(join(ws, '.github'), { recursive: true })
          execFileSync('mkfifo', [join(ws, POLICY)])
        },
        `The policy file ${POLICY} is not a regular file`
      ],
      [
        'a path climbing out of the workspace (../..)',
        () => '../../etc/passwd',
        'input `policy` must be a path inside the repository'
      ],
      ['an absolute path outside the workspace', () => '/etc/passwd', 'is outside the workspace'],
      [
        'a symbolic link out of the workspace',
        ws => {
          mkdirSync(join(ws, '.github'), { recursive: true })
          symlinkSync('/etc/passwd', join(ws, POLICY))
        },
        `The policy file ${POLICY} is outside the workspace`
      ],
      [
        'nesting deeper than the parser can follow',
        ws => write(ws, POLICY, `${covering('').trimEnd()}\n        - ${'{any: ['.repeat(3000)}\n`),
        /model-promotion\.yml:\d+:\d+: the policy is nested too deeply to be read$/
      ],
      [
        'several YAML documents',
        ws => write(ws, POLICY, `${VALID}---\n${VALID}`),
        'a policy is one YAML document, this file holds several'
      ],
      [
        'a plain string instead of a mapping',
        ws => write(ws, POLICY, 'promote everything\n'),
        `${POLICY}:1:1: Invalid input: expected object, received string`
      ],
      [
        'a code-execution tag (ignored, then refused by the schema)',
        ws => write(ws, POLICY, 'version: 1\nmodels: !!python/object/apply:os.system ["touch /tmp/pwned"]\n'),
        'models: Invalid input: expected record, received array'
      ],
      [
        'a YAML 1.1 merge key',
        ws => write(ws, POLICY, `defaults: &d {version: 1}\n<<: *d\n`),
        'unknown key `<<`'
      ],
      [
        'a records folder climbing out of the repository',
        ws => write(ws, POLICY, covering('records: ../../outside\n')),
        `${POLICY}:2:10: records: the records folder must be a relative path inside the repository`
      ],
      [
        'an absolute records folder',
        ws => write(ws, POLICY, covering('records: /etc\n')),
        'records: the records folder must be a relative path inside the repository'
      ]
    ])('%s', async (_name, arrange, expected) => {
      await evaluateWithPolicy(arrange, expected)
    })
  })

  // ---- 2. promotion records -----------------------------------------------------------------------------------

  describe('promotion records (promote on a merged pull request changing a bad record)', () => {
    const collaborators = {
      alice: 'write',
      bob: 'write',
      carol: 'admin',
      dave: 'write',
      'github-actions[bot]': 'write'
    } as const

    /** A repository of its own with the scenario's policy; alice proposes `files`, bob and dave approve, carol merges. */
    async function mergedPullRequest(
      files: Record<string, string>
    ): Promise<{ repo: string; number: number }> {
      const repo = `acme/${uniqueName('records')}`
      world.github.createRepo(repo, { files: { [POLICY]: s.policy }, collaborators })
      const { number } = await world.github.openPullRequest('alice', repo, {
        branch: 'promotion/by-hand',
        title: 'Promote by hand',
        files
      })
      await world.github.review('bob', repo, number, 'APPROVE')
      await world.github.review('dave', repo, number, 'APPROVE')
      await world.github.merge('carol', repo, number)
      return { repo, number }
    }

    function promoteEnv(repo: string, number: number): NodeJS.ProcessEnv {
      const eventPath = join(mkdtempSync(join(tmpdir(), 'bad-input-event-')), 'event.json')
      writeFileSync(eventPath, JSON.stringify(world.github.pullRequestEvent(repo, number, 'closed', 'carol')))
      return actionsEnv(repo, { GITHUB_EVENT_NAME: 'pull_request', GITHUB_EVENT_PATH: eventPath })
    }

    const promoteInputs = () => ({
      command: 'promote',
      'tracking-uri': mlflow,
      'github-token': world.bot.token
    })
    const record = (body: string) => `model: ${JSON.stringify(s.model)}\n${body}`
    const v2 = () => s.versions[1]

    it.each<[string, () => string, string | RegExp, string?]>([
      ['malformed YAML', () => record('production: [{version: 2}\n'), 'invalid YAML'],
      [
        'production is a mapping, not a list',
        () => record(`production: { version: ${v2()} }\n`),
        'production: Invalid input: expected array, received object'
      ],
      [
        'traffic is text',
        () => record(`production:\n  - version: ${v2()}\n    traffic: all\n`),
        'production[0].traffic: Invalid input: expected number, received string'
      ],
      [
        'the model is a number',
        () => `model: 42\nproduction:\n  - version: 2\n`,
        'model: Invalid input: expected string'
      ],
      [
        'an unknown key',
        () => record(`approved_by: mallory\nproduction:\n  - version: ${v2()}\n`),
        'unknown key `approved_by`'
      ],
      [
        'a version that is a word',
        () => record('production:\n  - version: two\n'),
        'production[0].version: a version is a whole number from 1'
      ],
      ['version 0', () => record('production:\n  - version: 0\n'), 'a version is a whole number from 1'],
      ['version 2.5', () => record('production:\n  - version: 2.5\n'), 'a version is a whole number from 1'],
      [
        'a version the registry does not have',
        () => record('production:\n  - version: 999\n'),
        /evidence for v999: .* v999 does not exist in the registry/
      ],
      [
        'traffic weights summing to 90',
        () => record(`production:\n  - version: 1\n    traffic: 60\n  - version: ${v2()}\n    traffic: 30\n`),
        'production: the traffic weights sum to 90, not 100'
      ],
      [
        'traffic over 100',
        () => record(`production:\n  - version: ${v2()}\n    traffic: 150\n`),
        'production[0].traffic: Too big'
      ],
      [
        'a version listed twice',
        () =>
          record(
            `production:\n  - version: ${v2()}\n    traffic: 50\n  - version: ${v2()}\n    traffic: 50\n`
          ),
        'is listed twice'
      ],
      [
        'several versions without traffic',
        () => record(`production:\n  - version: 1\n  - version: ${v2()}\n`),
        'with several production versions each needs `traffic`'
      ],
      ['no production version', () => record('production: []\n'), '`production` may not be empty'],
      [
        'a model the policy does not cover',
        () => `model: not-in-the-policy\nproduction:\n  - version: 1\n`,
        'the policy has no entry for model "not-in-the-policy"',
        `${DEFAULT_RECORDS_FOLDER}/not-in-the-policy.yml`
      ],
      [
        'a model other than its file',
        () => `model: someone-else\nproduction:\n  - version: 1\n`,
        'the record names model "someone-else", whose record file is .github/models/someone-else.yml'
      ],
      [
        'duplicate keys',
        () => record(`production:\n  - version: 1\nproduction:\n  - version: ${v2()}\n`),
        'duplicate key: Map keys must be unique'
      ],
      ['an alias bomb', () => ALIAS_BOMB, 'Excessive alias count indicates a resource exhaustion attack'],
      [
        'a huge file (200 KB)',
        () => record(`production:\n  - version: ${v2()}\n`) + `# ${'x'.repeat(98)}\n`.repeat(2_000),
        'the promotion record is larger than 65536 bytes'
      ],
      ['an empty file', () => '', 'the promotion record is empty'],
      ['binary garbage', () => binaryGarbage(2048).toString('latin1'), 'the promotion record is not text']
    ])('%s', async (...[, content, expected, path]) => {
      // (A rest parameter: Jest would take a fourth parameter missing from a row for its `done` callback.)
      const file = path ?? recordPath(DEFAULT_RECORDS_FOLDER, s.model)
      const { repo, number } = await mergedPullRequest({ [file]: content() })
      const since = await checkpoint()
      const run = await runInProcess(promoteInputs(), {
        workspace: s.workspace,
        env: promoteEnv(repo, number)
      })
      expect(run.message).toContain(`Promotion of pull request #${number} refused`)
      await expectRefusedWithoutWrites(run, expected, since, { refusalComment: true })
      const comments = world.github.comments(repo, number) as { body: string }[]
      expect(comments.at(-1)?.body).toContain('❌ Not promoted')
    })
  })

  // ---- 3. action inputs ---------------------------------------------------------------------------------------

  describe('action inputs (the committed bundle, as a runner runs it)', () => {
    it.each<[string, Record<string, string>, NodeJS.ProcessEnv, string]>([
      [
        'an unknown command',
        { command: 'deploy' },
        {},
        'input `command` must be one of evaluate, verify, promote, rollback, archive, audit, experiment, got "deploy"'
      ],
      ['version: abc', { version: 'abc' }, {}, 'input `version` must be a version number or `latest`'],
      ['version: 0', { version: '0' }, {}, 'input `version` must be a version number'],
      ['version: -1', { version: '-1' }, {}, 'input `version` must be a version number'],
      ['version: 1.5', { version: '1.5' }, {}, 'input `version` must be a version number'],
      ['version: 1e3', { version: '1e3' }, {}, 'input `version` must be a version number'],
      ['a version of 11 digits', { version: '12345678901' }, {}, 'input `version` must be a version number'],
      ['a tracking URI that is no URL', { 'tracking-uri': 'mlflow server' }, {}, 'is not a valid URL'],
      [
        'a file: tracking URI',
        { 'tracking-uri': 'file:///tmp/mlruns' },
        {},
        'The MLflow tracking URI must use http or https, got "file:"'
      ],
      ['an ftp: tracking URI', { 'tracking-uri': 'ftp://127.0.0.1/mlflow' }, {}, 'got "ftp:"'],
      ['no tracking URI at all', { 'tracking-uri': '' }, {}, 'No MLflow tracking URI'],
      ['dry-run: maybe', { 'dry-run': 'maybe' }, {}, 'input `dry-run` must be true or false, got "maybe"'],
      ['open-pr: yes', { 'open-pr': 'yes' }, {}, 'input `open-pr` must be true or false, got "yes"'],
      ['fail-on-reject: 1', { 'fail-on-reject': '1' }, {}, 'input `fail-on-reject` must be true or false'],
      [
        'retries that are no number',
        {},
        { MLFLOW_HTTP_REQUEST_MAX_RETRIES: 'lots' },
        'MLFLOW_HTTP_REQUEST_MAX_RETRIES must be a non-negative number, got "lots"'
      ],
      [
        'a negative timeout',
        {},
        { MLFLOW_HTTP_REQUEST_TIMEOUT: '-5' },
        'MLFLOW_HTTP_REQUEST_TIMEOUT must be a non-negative number'
      ],
      [
        'a backoff of NaN',
        {},
        { MLFLOW_HTTP_REQUEST_BACKOFF_FACTOR: 'NaN' },
        'MLFLOW_HTTP_REQUEST_BACKOFF_FACTOR must be a non-negative number'
      ],
      [
        'a CA bundle that does not exist',
        {},
        { MLFLOW_TRACKING_SERVER_CERT_PATH: '/nonexistent/ca.pem' },
        'MLFLOW_TRACKING_SERVER_CERT_PATH /nonexistent/ca.pem cannot be read'
      ],
      [
        'a username without a password',
        { 'tracking-username': 'ml-bot' },
        {},
        'MLflow basic auth needs both a username and a password'
      ],
      ['a version without a model', { model: '' }, {}, 'The input `version` needs the input `model`'],
      [
        'rollback without a model',
        { command: 'rollback', model: '', version: '', reason: 'drill' },
        {},
        'rollback needs the input `model`'
      ],
      [
        'rollback without a reason',
        { command: 'rollback', version: '' },
        {},
        'rollback needs the input `reason`'
      ],
      [
        'a policy path climbing out of the repository',
        { policy: '../../../etc/passwd' },
        {},
        'input `policy` must be a path inside the repository'
      ],
      [
        'an absolute policy path outside the workspace',
        { policy: '/etc/passwd' },
        {},
        'is outside the workspace'
      ],
      [
        'promote without a GitHub token',
        { command: 'promote', 'github-token': '' },
        {},
        'Input `github-token` is empty'
      ]
    ])('%s', async (_name, inputs, env, expected) => {
      const since = await checkpoint()
      const run = await runBundle(evaluateInputs(inputs), {
        env: { ...actionsEnv(), GITHUB_WORKSPACE: s.workspace, ...env }
      })
      await expectRefusedWithoutWrites(bundleAttempt(run), expected, since)
    })
  })

  // ---- 4. event payloads --------------------------------------------------------------------------------------

  describe('event payloads of promote and verify (the committed bundle)', () => {
    /** The payload file: JSON of a value, raw text, or none at all (null). */
    type Payload = { json: unknown } | { text: string } | { path: string } | null

    it.each<[string, string, string, Payload, string | RegExp, NodeJS.ProcessEnv?]>([
      ['no payload file', 'promote', 'pull_request', null, 'GITHUB_EVENT_PATH is not set'],
      ['no payload file', 'verify', 'pull_request', null, 'GITHUB_EVENT_PATH is not set'],
      [
        'a payload that is not JSON',
        'promote',
        'pull_request',
        { text: '{"action": "closed", "pull_request": {' },
        /The event payload .* \(GITHUB_EVENT_PATH\) is not valid JSON/
      ],
      [
        'a payload that is not JSON',
        'verify',
        'pull_request',
        { text: 'action=opened' },
        /The event payload .* \(GITHUB_EVENT_PATH\) is not valid JSON/
      ],
      [
        'a payload file that does not exist',
        'promote',
        'pull_request',
        { path: '/nonexistent/event.json' },
        'The event payload /nonexistent/event.json cannot be read: ENOENT'
      ],
      ['a payload of JSON null', 'promote', 'pull_request', { json: null }, 'is not a JSON object'],
      ['a payload that is a JSON array', 'verify', 'pull_request', { json: [1, 2] }, 'is not a JSON object'],
      [
        'an issue_comment event',
        'promote',
        'issue_comment',
        { json: { action: 'created', issue: { number: 1 }, comment: { body: '/promote' } } },
        'promote runs on a merged pull request (pull_request: closed) or a push to the default branch, not on issue_comment'
      ],
      [
        'an issue_comment event',
        'verify',
        'issue_comment',
        { json: { action: 'created', issue: { number: 1 } } },
        'verify runs on pull_request and merge_group events, not on issue_comment'
      ],
      [
        'a pull_request payload with no number',
        'promote',
        'pull_request',
        { json: { action: 'closed', pull_request: { merged: true } } },
        'The pull_request event payload has no pull request number'
      ],
      [
        'a pull request number written as text',
        'verify',
        'pull_request',
        { json: { action: 'opened', pull_request: { number: '1' } } },
        'The pull_request event payload has no pull request number'
      ],
      [
        'a pull request that does not exist',
        'promote',
        'pull_request',
        { json: { action: 'closed', pull_request: { number: 999 } } },
        /GitHub GET \/repos\/.*\/pulls\/.* failed \(HTTP 404\)/
      ],
      [
        'a push with no commit',
        'promote',
        'push',
        { json: { ref: 'refs/heads/main' } },
        'The push event has no commit sha'
      ],
      [
        'a repository that is not owner/name',
        'promote',
        'pull_request',
        { json: { action: 'closed', pull_request: { number: 1 } } },
        'GITHUB_REPOSITORY is not set (owner/name)',
        { GITHUB_REPOSITORY: 'models' }
      ]
    ])('%s (%s on %s)', async (...[, command, eventName, payload, expected, extraEnv = {}]) => {
      const env: NodeJS.ProcessEnv = { ...actionsEnv(), GITHUB_EVENT_NAME: eventName, ...extraEnv }
      if (payload !== null) {
        const dir = mkdtempSync(join(tmpdir(), 'bad-input-event-'))
        env.GITHUB_EVENT_PATH = 'path' in payload ? payload.path : join(dir, 'event.json')
        if ('json' in payload) writeFileSync(env.GITHUB_EVENT_PATH, JSON.stringify(payload.json))
        if ('text' in payload) writeFileSync(env.GITHUB_EVENT_PATH, payload.text)
      }
      const since = await checkpoint()
      const run = await runBundle(
        { command, 'tracking-uri': mlflow, 'github-token': world.bot.token },
        { env }
      )
      await expectRefusedWithoutWrites(bundleAttempt(run), expected, since)
    })
  })

  // ---- 4b. preconditions --------------------------------------------------------------------------------------

  describe('preconditions: every command knows it can finish before its first write (the committed bundle)', () => {
    const UNEVALUATED = '${{ github.token }}'
    it.each<[string, Record<string, string>, NodeJS.ProcessEnv, string | RegExp]>([
      [
        'evaluate that would open a pull request, without a GitHub token',
        { 'github-token': '' },
        {},
        'Input `github-token` is empty'
      ],
      [
        'evaluate given the unevaluated text of `${{ github.token }}` (a runner that does not evaluate defaults)',
        { 'github-token': UNEVALUATED },
        {},
        'input `github-token` is an unevaluated `${{ … }}` expression'
      ],
      [
        'evaluate with a token GitHub does not know',
        { 'github-token': 'ghs_revoked0000000000000000000000000000' },
        {},
        /GitHub GET \/repos\/.* failed \(HTTP 401\): Bad credentials/
      ],
      [
        'evaluate given an unevaluated MLflow token',
        { 'tracking-token': '${{ secrets.MLFLOW_TOKEN }}' },
        {},
        'input `tracking-token` is an unevaluated'
      ],
      [
        'rollback without a GitHub token',
        { command: 'rollback', version: '', reason: 'drill', 'github-token': '' },
        {},
        'Input `github-token` is empty'
      ],
      [
        'rollback given the unevaluated token',
        { command: 'rollback', version: '', reason: 'drill', 'github-token': UNEVALUATED },
        {},
        'is an unevaluated'
      ],
      [
        'rollback outside a repository (no GITHUB_REPOSITORY)',
        { command: 'rollback', version: '', reason: 'drill' },
        { GITHUB_REPOSITORY: '' },
        'rollback proves its target from the record’s history on GitHub'
      ],
      [
        'verify without a GitHub token',
        { command: 'verify', 'github-token': '' },
        {},
        'Input `github-token` is empty'
      ],
      [
        'audit keeping a drift issue without a repository',
        { command: 'audit', version: '', 'drift-issue': 'true' },
        { GITHUB_REPOSITORY: '' },
        '`drift-issue: true` keeps an issue in the repository'
      ],
      [
        'audit keeping a drift issue without a GitHub token',
        { command: 'audit', version: '', 'drift-issue': 'true', 'github-token': '' },
        {},
        'Input `github-token` is empty'
      ],
      [
        'archive without its policy file',
        { command: 'archive', version: '', policy: '.github/missing.yml' },
        {},
        'The policy file .github/missing.yml does not exist'
      ]
    ])('%s', async (_name, inputs, env, expected) => {
      const since = await checkpoint()
      const run = await runBundle(evaluateInputs(inputs), {
        env: { ...actionsEnv(), GITHUB_WORKSPACE: s.workspace, ...env }
      })
      await expectRefusedWithoutWrites(bundleAttempt(run), expected, since)
    })

    it('evaluate whose promotion branch someone else created: refused before the version is moved or tagged', async () => {
      const own = await world.scenario([world.seeded.weaker, world.seeded.stronger], { champion: 0 })
      const alice = world.github.as('alice')
      const [owner, repo] = own.repo.split('/')
      const main = await alice.rest.git.getRef({ owner, repo, ref: 'heads/main' })
      await alice.rest.git.createRef({
        owner,
        repo,
        ref: `refs/heads/${promotionBranch(own.model, own.versions[1])}`,
        sha: main.data.object.sha
      })
      const since = await checkpoint(own.model)
      const run = await runBundle(evaluateInputs({ model: own.model, version: own.versions[1] }), {
        env: { ...actionsEnv(own.repo), GITHUB_WORKSPACE: own.workspace }
      })
      await expectRefusedWithoutWrites(
        bundleAttempt(run),
        /already exists and the gate did not write it alone \(alice pushed to it\)/,
        since
      )
    })
  })

  // ---- 5. registry responses ----------------------------------------------------------------------------------

  describe('registry responses (a proxy answers instead of MLflow)', () => {
    const json = (body: string): InterceptedResponse => ({
      status: 200,
      body,
      headers: { 'content-type': 'application/json' }
    })
    const html = (status: number, body: string): InterceptedResponse => ({
      status,
      body,
      headers: { 'content-type': 'text/html' }
    })
    const BAD_GATEWAY = html(
      502,
      '<html><head><title>502 Bad Gateway</title></head><body><h1>502 Bad Gateway</h1><hr>nginx</body></html>'
    )
    const huge = (megabytes: number) => 'x'.repeat(megabytes * 1024 * 1024)
    /** Answers `response` to the requests on endpoints ending with `endpoint` ('*': all), forwards the rest. */
    const on =
      (endpoint: string, response: () => InterceptedResponse) =>
      (req: IncomingMessage): InterceptedResponse | undefined =>
        endpoint === '*' || new URL(req.url ?? '/', 'http://mlflow').pathname.endsWith(endpoint)
          ? response()
          : undefined

    it.each<[string, string, () => InterceptedResponse, string | RegExp]>([
      [
        'an HTML 502 page, on every attempt',
        '*',
        () => BAD_GATEWAY,
        /^MLflow model-versions\/get failed: BAD_GATEWAY \(HTTP 502\): 502 Bad Gateway 502 Bad Gateway nginx$/
      ],
      [
        'truncated JSON with status 200',
        '/model-versions/get',
        () => json('{"model_version": {"name": "m", "vers'),
        'MLflow model-versions/get returned an unexpected response: body is not JSON'
      ],
      [
        'a version number that is an object',
        '/model-versions/get',
        () => json('{"model_version": {"name": "m", "version": {"number": 2}}}'),
        'expected string, received object at model_version.version'
      ],
      [
        'tags that are a string',
        '/model-versions/get',
        () => json('{"model_version": {"name": "m", "version": "2", "tags": "promotion.decision=passed"}}'),
        'at model_version.tags'
      ],
      [
        'aliases that are a string',
        '/registered-models/get',
        () => json('{"registered_model": {"name": "m", "aliases": "champion"}}'),
        'MLflow registered-models/get returned an unexpected response: Invalid input: expected array, received string at registered_model.aliases'
      ],
      [
        'a metric value that is text',
        '/runs/get',
        () =>
          json(
            '{"run": {"info": {"run_id": "r", "experiment_id": "1"}, "data": {"metrics": [{"key": "accuracy", "value": "high"}]}}}'
          ),
        'MLflow runs/get returned an unexpected response'
      ],
      [
        'an empty body with status 200',
        '/model-versions/get',
        () => json(''),
        'expected object, received undefined at model_version'
      ],
      ['JSON null', '/model-versions/get', () => json('null'), 'expected object, received null'],
      ['a JSON array', '/registered-models/get', () => json('[]'), 'expected object, received array'],
      [
        'an enormous body (60 MB) that is not JSON',
        '/model-versions/get',
        () => json(huge(60)),
        /body is not JSON \(x{300}…\)$/
      ],
      [
        'a body beyond the limit (70 MB)',
        '/model-versions/get',
        () => json(`{"model_version": {"description": "${huge(70)}"}}`),
        'MLflow model-versions/get returned an unexpected response: body larger than 67108864 bytes'
      ],
      [
        'a sign-in page with status 200',
        '/model-versions/get',
        () => html(200, '<html><body><form><h1>Sign in to continue</h1></form></body></html>'),
        'body is not JSON (Sign in to continue)'
      ],
      [
        'an HTML 404 from a server that is not MLflow',
        '*',
        () => html(404, '<html><body><h1>Not Found</h1><p>No such page.</p></body></html>'),
        'MLflow model-versions/get failed: ENDPOINT_NOT_FOUND (HTTP 404): Not Found No such page.'
      ],
      [
        'an error whose code and message have the wrong types',
        '/model-versions/get',
        () => ({ status: 400, body: '{"error_code": 42, "message": ["no"]}' }),
        'MLflow model-versions/get failed: BAD_REQUEST (HTTP 400)'
      ]
    ])('%s', async (_name, endpoint, response, expected) => {
      proxy.interceptor = on(endpoint, response)
      const since = await checkpoint()
      const run = await runInProcess(evaluateInputs(), { workspace: s.workspace, env: actionsEnv() })
      await expectRefusedWithoutWrites(run, expected, since)
    })

    it('an HTML 502 page while promote re-checks the evidence at merge', async () => {
      const file = recordPath(DEFAULT_RECORDS_FOLDER, s.model)
      const repo = `acme/${uniqueName('faults')}`
      world.github.createRepo(repo, {
        files: { [POLICY]: s.policy },
        collaborators: { alice: 'write', bob: 'write', carol: 'admin', dave: 'write' }
      })
      const { number } = await world.github.openPullRequest('alice', repo, {
        branch: 'promotion/by-hand',
        title: 'Promote',
        files: { [file]: `model: ${JSON.stringify(s.model)}\nproduction:\n  - version: ${s.versions[1]}\n` }
      })
      await world.github.review('bob', repo, number, 'APPROVE')
      await world.github.review('dave', repo, number, 'APPROVE')
      await world.github.merge('carol', repo, number)
      const eventPath = join(mkdtempSync(join(tmpdir(), 'bad-input-event-')), 'event.json')
      writeFileSync(eventPath, JSON.stringify(world.github.pullRequestEvent(repo, number, 'closed', 'carol')))
      proxy.interceptor = on('*', () => BAD_GATEWAY)
      const since = await checkpoint()
      const run = await runInProcess(
        { command: 'promote', 'tracking-uri': mlflow, 'github-token': world.bot.token },
        {
          workspace: s.workspace,
          env: actionsEnv(repo, { GITHUB_EVENT_NAME: 'pull_request', GITHUB_EVENT_PATH: eventPath })
        }
      )
      await expectRefusedWithoutWrites(
        run,
        /MLflow (model-versions|registered-models)\/get failed: BAD_GATEWAY \(HTTP 502\)/,
        since
      )
    })
  })

  // ---- 6. names with special characters -----------------------------------------------------------------------

  describe('model names with special characters', () => {
    const policyFor = (model: string) =>
      `version: 1\nmodels:\n  ${JSON.stringify(model)}:\n    staging:\n      rules:\n        - { metric: accuracy, min: 0.5 }\n`

    it.each([
      ['a percent sign', '100%-model'],
      ['a hash and a question mark', 'model #1?'],
      ['spaces', 'fraud detector v2'],
      ['unicode', 'модель ünïcödé 模型 🚀'],
      ['both kinds of quotes', `it's "quoted"`],
      ['query-string characters', 'a&b=c+d;e'],
      ['glob characters', '[x]*{y}'],
      ['a backslash', 'back\\slash']
    ])('%s (%s) round-trips: evaluated, and its tags read back', async (_name, base) => {
      const model = `${base} ${uniqueName('n')}`
      const [version] = await createModelFrom(client, model, [world.seeded.stronger])
      const since = proxy.requests.length
      const run = await runInProcess(
        { command: 'evaluate', model, version, 'tracking-uri': mlflow, 'open-pr': 'false' },
        { workspace: workspaceWith({ [POLICY]: policyFor(model) }) }
      )
      expect(run).toMatchObject({ failed: false, message: '' })
      const read = await client.getModelVersion(model, version)
      expect(read.name).toBe(model)
      expect(read.tags).toContainEqual({ key: 'promotion.decision', value: 'passed' })
      expect((await client.getRegisteredModel(model)).aliases).toEqual([{ alias: 'challenger', version }])
      // Every request that named the model named exactly this one (URL-encoded both ways).
      const named = proxy.requests
        .slice(since)
        .map(request => new URL(request.url, 'http://mlflow').searchParams.get('name'))
        .filter(name => name !== null)
      expect(named.length).toBeGreaterThan(0)
      expect(new Set(named)).toEqual(new Set([model]))
    })

    // (Spaces, `#` and `?` also work, but the stand-in puts file paths unencoded in the URLs it answers, which its
    // own OpenAPI check then refuses; `%` and `*` are the characters the record file name must encode.)
    it('a name with % and * goes through the whole gate: record file, pull request, production', async () => {
      const gated = await world.scenario([world.seeded.weaker, world.seeded.stronger], {
        champion: 0,
        model: `100%*${uniqueName('gate')}`
      })
      await world.promoteThroughGate(gated, gated.versions[1])
      const file = recordPath(DEFAULT_RECORDS_FOLDER, gated.model)
      expect(file).toBe(`${DEFAULT_RECORDS_FOLDER}/100%25%2A${gated.model.slice(5)}.yml`)
      expect(world.github.readFile(gated.repo, 'main', file)).toContain(
        `production:\n  - version: ${gated.versions[1]}\n`
      )
      expect(await world.productionVersions(gated)).toEqual([gated.versions[1]])
    })

    /** A name, made unique with `u` where MLflow accepts it (the model is then created, with a passing version). */
    it.each<[string, (u: string) => string, boolean, string]>([
      [
        'a line break',
        u => `${u}\nsecond line`,
        true,
        'input `model` may not contain control characters such as a line break'
      ],
      ['a tab', u => `${u}\tx`, true, 'input `model` may not contain control characters'],
      [
        'over-long (300 characters)',
        u => u.padEnd(300, 'x'),
        true,
        'input `model` is longer than 256 characters'
      ],
      [
        'a slash',
        () => 'team/fraud',
        false,
        "INVALID_PARAMETER_VALUE (HTTP 400): Invalid model name 'team/fraud'"
      ],
      ['a colon', () => 'models:fraud', false, "Invalid model name 'models:fraud'"],
      ['only spaces', () => '   ', false, 'The input `version` needs the input `model`']
    ])('%s is refused', async (_name, name, mlflowAccepts, expected) => {
      const model = name(uniqueName('refused'))
      // The refusal must be the gate's own where MLflow would take the name: the model exists and would pass.
      if (mlflowAccepts) await createModelFrom(client, model, [world.seeded.stronger])
      const covered = model.trim() === '' ? s.model : model
      const since = await checkpoint(covered)
      const run = await runInProcess(
        { ...evaluateInputs(), model, version: '1' },
        { workspace: workspaceWith({ [POLICY]: policyFor(covered) }), env: actionsEnv() }
      )
      await expectRefusedWithoutWrites(run, expected, since)
    })
  })
})

/**
 * The webhook relay's bad input: deliveries a forger, a replayer or a broken sender could post, and command lines a
 * user could get wrong. Each delivery must get a 4xx and send no repository dispatch (the stand-in's log); each
 * command line must exit 2 with what is wrong, before listening.
 */
describe('bad input to the webhook relay (the committed relay bundle)', () => {
  let github: GitHubStandIn
  let relay: RunningRelay
  const dispatched = () => github.dispatches('acme/models').length
  const event = (data: Record<string, unknown>, entity = 'model_version', action = 'created') =>
    JSON.stringify({ entity, action, timestamp: new Date().toISOString(), data })
  const valid = event({ name: 'fraud-detector', version: '3' })
  const now = () => Math.floor(Date.now() / 1000)

  beforeAll(async () => {
    github = await GitHubStandIn.start()
    const bot = github.addUser('relay-bot', { type: 'Bot' })
    github.createRepo('acme/models', { files: {}, collaborators: { 'relay-bot': 'write' } })
    relay = await startRelay(bot.token, github.url)
  })
  afterAll(async () => {
    await stopRelay(relay)
    await github.stop()
  })

  it.each<[string, () => Promise<Response>, number]>([
    ['an unsigned delivery', () => postDelivery(relay.url, valid, { signature: null }), 401],
    [
      'a signature made with another secret',
      () => postDelivery(relay.url, valid, { signature: 'v1,' + Buffer.alloc(32, 7).toString('base64') }),
      401
    ],
    ['a signature of v0 form', () => postDelivery(relay.url, valid, { signature: 'v0,abc' }), 401],
    ['a delivery ten minutes old', () => postDelivery(relay.url, valid, { timestamp: now() - 600 }), 401],
    [
      'a delivery from ten minutes ahead',
      () => postDelivery(relay.url, valid, { timestamp: now() + 600 }),
      401
    ],
    ['a delivery id that is not a UUID', () => postDelivery(relay.url, valid, { delivery: '42' }), 400],
    ['a 300 KB body', () => postDelivery(relay.url, `${valid}${' '.repeat(300 * 1024)}`), 413],
    ['a body that is not JSON', () => postDelivery(relay.url, '{"entity": '), 400],
    ['JSON null', () => postDelivery(relay.url, 'null'), 422],
    ['a JSON array', () => postDelivery(relay.url, '[]'), 422],
    ['an event MLflow does not send', () => postDelivery(relay.url, event({}, 'run', 'created')), 422],
    [
      'model_version.created without a version',
      () => postDelivery(relay.url, event({ name: 'fraud-detector' })),
      422
    ],
    [
      'a version that is not a number',
      () => postDelivery(relay.url, event({ name: 'fraud-detector', version: '3; rm -rf /' })),
      422
    ],
    ['a GET of the webhook path', () => fetch(`${relay.url}/mlflow`), 405],
    ['a PUT', () => fetch(`${relay.url}/mlflow`, { method: 'PUT', body: valid }), 405]
  ])('%s is refused and sends nothing', async (_name, send, status) => {
    const before = dispatched()
    const response = await send()
    expect(response.status).toBe(status)
    expect(
      ((await response.json().catch(() => ({ outcome: 'refused' }))) as { outcome: string }).outcome
    ).toBe('refused')
    expect(dispatched()).toBe(before)
  })

  it('a replayed delivery is refused; only the first one is dispatched', async () => {
    const delivery = crypto.randomUUID()
    const before = dispatched()
    expect((await postDelivery(relay.url, valid, { delivery })).status).toBe(200)
    expect((await postDelivery(relay.url, valid, { delivery })).status).toBe(409)
    expect((await postDelivery(relay.url, valid, { delivery: delivery.toUpperCase() })).status).toBe(409)
    expect(dispatched()).toBe(before + 1)
    github.assertNoViolations()
  })

  it.each<[string, string[], NodeJS.ProcessEnv, string]>([
    ['no webhook secret', [], { MLFLOW_WEBHOOK_SECRET: '' }, 'MLFLOW_WEBHOOK_SECRET is not set'],
    ['no GitHub token', [], { GITHUB_TOKEN: '' }, 'GITHUB_TOKEN is not set'],
    ['no repository', ['--repository', 'acme'], {}, 'give the repository to dispatch to (owner/name)'],
    ['a listen address without a port', ['--listen', 'localhost'], {}, '--listen takes host:port'],
    ['an unknown option', ['--secret', 'x'], {}, "Unknown option '--secret'"],
    [
      'a body limit that is not a number',
      ['--max-body-bytes', 'lots'],
      {},
      '--max-body-bytes takes a positive whole number'
    ],
    [
      'a missing mapping file',
      ['--config', '/nonexistent/relay.yml'],
      {},
      'cannot read the config /nonexistent/relay.yml'
    ],
    ['a mapping file with an unknown key', ['--config', 'CONFIG'], {}, 'relay.yml:2:3']
  ])('a command line with %s exits 2 and says what is wrong', (_name, args, env, expected) => {
    const config = join(mkdtempSync(join(tmpdir(), 'relay-config-')), 'relay.yml')
    writeFileSync(config, 'evaluate:\n  event: model-registered\n')
    const run = spawnSync(
      process.execPath,
      [
        relayCli,
        'relay',
        '--repository',
        'acme/models',
        ...args.map(arg => (arg === 'CONFIG' ? config : arg))
      ],
      {
        encoding: 'utf8',
        env: { PATH: process.env.PATH, MLFLOW_WEBHOOK_SECRET: 's', GITHUB_TOKEN: 't', ...env },
        timeout: 10_000
      }
    )
    expect(run.status).toBe(2)
    expect(run.stderr).toContain(expected)
    expect(run.stdout).not.toContain('listening')
  })
})
