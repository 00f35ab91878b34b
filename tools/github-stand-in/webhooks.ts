import { readFileSync } from 'node:fs'
import { createRequire } from 'node:module'
import { Ajv, type ValidateFunction } from 'ajv'
import addFormatsPlugin from 'ajv-formats'
import { diffTrees, treeSha, type Commit } from './git.js'
import type { Json } from './http.js'
import type { Resources } from './resources.js'
import type { PullRequest, Repository, World } from './state.js'

type Definition = { properties?: Record<string, unknown> }

let definitions: Record<string, Definition> | undefined
let webhookAjv: Ajv | undefined
const eventValidators = new Map<string, ValidateFunction>()

function webhookDefinitions(): Record<string, Definition> {
  if (definitions === undefined) {
    const file = createRequire(import.meta.url).resolve('@octokit/webhooks-schemas/schema.json')
    definitions = (JSON.parse(readFileSync(file, 'utf8')) as { definitions: Record<string, Definition> })
      .definitions
  }
  return definitions
}

/** Validates a payload against a definition of @octokit/webhooks-schemas; throws listing ajv's errors. */
export function assertWebhookPayload(definition: string, payload: unknown): void {
  if (webhookAjv === undefined) {
    webhookAjv = new Ajv({ strict: false, allErrors: true })
    addFormatsPlugin.default(webhookAjv)
    // Nested `$schema` keywords would make ajv treat each definition as a separate document.
    const cleaned = JSON.parse(
      JSON.stringify(webhookDefinitions(), (name, value) => (name === '$schema' ? undefined : value))
    )
    webhookAjv.addSchema({ $id: 'webhooks', definitions: cleaned })
  }
  let validate = eventValidators.get(definition)
  if (validate === undefined) {
    if (webhookDefinitions()[definition] === undefined) throw new Error(`No webhook definition ${definition}`)
    validate = webhookAjv.compile({ $ref: `webhooks#/definitions/${definition}` })
    eventValidators.set(definition, validate)
  }
  if (!validate(payload)) {
    const errors = (validate.errors ?? []).map(
      error => `${error.instancePath} ${error.message} ${JSON.stringify(error.params)}`
    )
    throw new Error(`Webhook payload does not match ${definition}:\n${errors.join('\n')}`)
  }
}

/** Keeps only the properties a webhook definition allows (they are closed with additionalProperties: false). */
function fit(value: Json, definition: string): Json {
  const allowed = Object.keys(webhookDefinitions()[definition]?.properties ?? {})
  return Object.fromEntries(Object.entries(value).filter(([name]) => allowed.includes(name)))
}

/** Webhook objects: the REST objects reshaped to the (slightly different, closed) webhook definitions. */
export class WebhookPayloads {
  constructor(
    private readonly world: World,
    private readonly resources: Resources
  ) {}

  user(login: string): Json {
    return fit(this.resources.user(login), 'user')
  }

  repository(repository: Repository): Json {
    const rest = this.resources.repository(repository)
    return fit(
      {
        ...rest,
        owner: this.user(repository.owner),
        custom_properties: {},
        web_commit_signoff_required: false,
        stargazers: 0
      },
      'repository'
    )
  }

  pullRequest(repository: Repository, pull: PullRequest): Json {
    const rest = this.resources.pullRequest(repository, pull)
    const end = (side: Json, owner: Repository) => ({
      label: side.label,
      ref: side.ref,
      sha: side.sha,
      user: this.user(owner.owner),
      repo: this.repository(owner)
    })
    return fit(
      {
        ...rest,
        user: this.user(pull.author),
        merged_by: pull.mergedBy === null ? null : this.user(pull.mergedBy),
        requested_reviewers: pull.requestedUsers.map(login => this.user(login)),
        requested_teams: (rest.requested_teams as Json[]).map(team => fit(team, 'team')),
        labels: (rest.labels as Json[]).map(label => fit(label, 'label')),
        head: end(rest.head as Json, this.world.headRepository(pull)),
        base: end(rest.base as Json, repository)
      },
      'pull-request'
    )
  }

  /** A commit as push events list it, with the paths it added, removed and modified against its first parent. */
  commit(repository: Repository, commit: Commit): Json {
    const parent =
      commit.parents[0] === undefined ? new Map<string, string>() : this.world.commit(commit.parents[0]).tree
    const changes = diffTrees(parent, commit.tree)
    const paths = (status: string) =>
      changes.filter(change => change.status === status).map(change => change.path)
    const identity = {
      name: commit.author,
      email: `${commit.author}@users.noreply.github.test`,
      username: commit.author
    }
    return {
      id: commit.sha,
      tree_id: treeSha(commit.tree),
      distinct: true,
      message: commit.message,
      timestamp: commit.date,
      url: `${this.resources.htmlUrl}/${repository.fullName}/commit/${commit.sha}`,
      author: identity,
      committer: identity,
      added: paths('added'),
      removed: paths('removed'),
      modified: paths('modified')
    }
  }
}
