import {
  forbidden,
  type Handler,
  integerParam,
  notFound,
  paginate,
  type RequestContext,
  repositoryOf,
  stringOption,
  validationFailed
} from '../http.js'
import {
  timestamp,
  type Issue,
  type IssueComment,
  type IssueStateReason,
  type PullRequest,
  type Repository
} from '../state.js'

/** Issue numbers name plain issues and pull requests alike, as on GitHub. */
type Numbered = { kind: 'issue'; item: Issue } | { kind: 'pull'; item: PullRequest }

function numbered(repository: Repository, number: number): Numbered | undefined {
  const issue = repository.issues.get(number)
  if (issue !== undefined) return { kind: 'issue', item: issue }
  const pull = repository.pulls.get(number)
  return pull === undefined ? undefined : { kind: 'pull', item: pull }
}

function numberedOf(context: RequestContext, repository: Repository): Numbered {
  const found = numbered(repository, integerParam(context, 'issue_number'))
  if (found === undefined) throw notFound()
  return found
}

function issueJson(context: RequestContext, repository: Repository, found: Numbered) {
  return found.kind === 'issue'
    ? context.resources.issue(repository, found.item)
    : context.resources.pullRequestIssue(repository, found.item)
}

const isLogin = (a: string, b: string) => a.toLowerCase() === b.toLowerCase()

/** Triage and above may label and assign; for everyone else GitHub silently drops those fields. */
function canTriage(context: RequestContext, repository: Repository): boolean {
  return context.world.permission(repository, context.user.login) !== 'read'
}

/** Label names from `["a"]`, `{labels: ["a"]}` or `{labels: [{name: "a"}]}`. */
function labelNames(list: unknown): string[] {
  const items = Array.isArray(list) ? list : ((list as { labels?: unknown[] } | null)?.labels ?? [])
  return items
    .map(item => (typeof item === 'string' ? item : stringOption((item as { name?: unknown }).name)))
    .filter((name): name is string => name !== undefined && name !== '')
}

/** Adds labels to an issue or pull request, creating unknown ones as GitHub does; returns the labels it has. */
function applyLabels(context: RequestContext, repository: Repository, number: number, names: string[]) {
  const onIssue = repository.issueLabels.get(number) ?? []
  for (const name of names) {
    if (!repository.labels.has(name.toLowerCase())) {
      repository.labels.set(name.toLowerCase(), {
        id: context.world.newId(),
        name,
        color: 'ededed',
        // GitHub's description types labels inside pull requests with a non-null string description.
        description: ''
      })
    }
    if (!onIssue.some(existing => isLogin(existing, name))) {
      onIssue.push(repository.labels.get(name.toLowerCase())?.name ?? name)
    }
  }
  repository.issueLabels.set(number, onIssue)
  return onIssue
}

/**
 * GitHub lets an issue be assigned to people with triage access or more, organization members and the author;
 * anyone else is a validation error.
 */
function assignees(context: RequestContext, repository: Repository, logins: string[], author: string) {
  const canonical: string[] = []
  for (const login of logins) {
    const user = context.world.user(login)
    const assignable =
      user !== undefined &&
      (isLogin(user.login, author) ||
        context.world.permission(repository, user.login) !== 'read' ||
        context.resources.authorAssociation(repository, user.login) === 'MEMBER')
    if (!assignable) {
      throw validationFailed('Validation Failed', [
        { value: login, resource: 'Issue', field: 'assignees', code: 'invalid' }
      ])
    }
    if (!canonical.includes(user.login)) canonical.push(user.login)
  }
  return canonical
}

function requestedAssignees(body: Record<string, unknown>): string[] | undefined {
  if (Array.isArray(body.assignees)) return body.assignees.map(String)
  if (typeof body.assignee === 'string') return [body.assignee]
  if (body.assignee === null) return []
  return undefined
}

function title(value: unknown): string {
  const text = typeof value === 'number' ? String(value) : (stringOption(value) ?? '')
  if (text.trim() === '') {
    throw validationFailed('Validation Failed', [
      { resource: 'Issue', field: 'title', code: 'missing_field' }
    ])
  }
  return text
}

const createIssue: Handler = context => {
  const repository = repositoryOf(context)
  const triage = canTriage(context, repository)
  const now = timestamp()
  const issue: Issue = {
    id: context.world.newId(),
    number: 0,
    title: title(context.body.title),
    body: stringOption(context.body.body) ?? null,
    state: 'open',
    stateReason: null,
    author: context.user.login,
    assignees: triage
      ? assignees(context, repository, requestedAssignees(context.body) ?? [], context.user.login)
      : [],
    createdAt: now,
    updatedAt: now,
    closedAt: null,
    closedBy: null
  }
  issue.number = repository.nextIssueNumber++
  repository.issues.set(issue.number, issue)
  if (triage) applyLabels(context, repository, issue.number, labelNames(context.body.labels ?? []))
  return { status: 201, body: context.resources.issue(repository, issue) }
}

const getIssue: Handler = context => {
  const repository = repositoryOf(context)
  return { status: 200, body: issueJson(context, repository, numberedOf(context, repository)) }
}

const updateIssue: Handler = context => {
  const repository = repositoryOf(context)
  const found = numberedOf(context, repository)
  const { item } = found
  const triage = canTriage(context, repository)
  if (!triage && !isLogin(item.author, context.user.login)) {
    throw forbidden('You do not have permission to update this issue')
  }
  const { body, state } = context.body
  const newTitle =
    context.body.title === undefined || context.body.title === null ? undefined : title(context.body.title)
  const newAssignees = requestedAssignees(context.body)
  if (found.kind === 'issue' && triage && newAssignees !== undefined) {
    found.item.assignees = assignees(context, repository, newAssignees, found.item.author)
  }
  if (newTitle !== undefined) item.title = newTitle
  if (typeof body === 'string' || body === null) item.body = body
  if (triage && Array.isArray(context.body.labels)) {
    repository.issueLabels.set(item.number, [])
    applyLabels(context, repository, item.number, labelNames(context.body.labels))
  }
  if (found.kind === 'issue') {
    const reason = stringOption(context.body.state_reason) as IssueStateReason | undefined
    if (state === 'closed' && found.item.state === 'open') {
      context.world.closeIssue(found.item, context.user.login, reason === 'reopened' ? undefined : reason)
    }
    if (state === 'open' && found.item.state === 'closed') context.world.reopenIssue(found.item)
  } else {
    if (state === 'closed' && found.item.state === 'open') context.world.close(repository, found.item)
    if (state === 'open' && found.item.state === 'closed') {
      if (found.item.mergedAt !== null) {
        throw validationFailed('Validation Failed', [
          {
            resource: 'Issue',
            field: 'state',
            code: 'invalid',
            message: 'cannot reopen a merged pull request'
          }
        ])
      }
      context.world.reopen(found.item)
    }
  }
  item.updatedAt = timestamp()
  return { status: 200, body: issueJson(context, repository, found) }
}

/** Plain issues and pull requests alike, each pull request with its `pull_request` key, as GitHub lists them. */
const listForRepo: Handler = context => {
  const repository = repositoryOf(context)
  const state = stringOption(context.query.state) ?? 'open'
  const labels = (stringOption(context.query.labels) ?? '')
    .split(',')
    .map(name => name.trim())
    .filter(name => name !== '')
  const creator = stringOption(context.query.creator)
  const assignee = stringOption(context.query.assignee)
  const milestone = stringOption(context.query.milestone)
  const since = stringOption(context.query.since)
  const sort = stringOption(context.query.sort) ?? 'created'
  const direction = stringOption(context.query.direction) ?? 'desc'
  const all: Numbered[] = [
    ...[...repository.issues.values()].map(item => ({ kind: 'issue', item }) as const),
    ...[...repository.pulls.values()].map(item => ({ kind: 'pull', item }) as const)
  ]
  const assigned = (found: Numbered) => (found.kind === 'issue' ? found.item.assignees : [])
  const comments = (number: number) => repository.comments.filter(comment => comment.issue === number).length
  const sortKey = (found: Numbered): string | number =>
    sort === 'comments'
      ? comments(found.item.number)
      : sort === 'updated'
        ? found.item.updatedAt
        : found.item.createdAt
  const selected = all
    .filter(({ item }) => state === 'all' || item.state === state)
    .filter(({ item }) => {
      const onIssue = repository.issueLabels.get(item.number) ?? []
      return labels.every(name => onIssue.some(existing => isLogin(existing, name)))
    })
    .filter(({ item }) => creator === undefined || isLogin(item.author, creator))
    .filter(found => {
      if (assignee === undefined) return true
      if (assignee === 'none') return assigned(found).length === 0
      if (assignee === '*') return assigned(found).length > 0
      return assigned(found).some(login => isLogin(login, assignee))
    })
    // The stand-in has no milestones: only `none` matches anything.
    .filter(() => milestone === undefined || milestone === 'none')
    .filter(({ item }) => since === undefined || Date.parse(item.updatedAt) >= Date.parse(since))
    .sort((a, b) => {
      const [x, y] = [sortKey(a), sortKey(b)]
      const order = x < y ? -1 : x > y ? 1 : a.item.number - b.item.number
      return direction === 'asc' ? order : -order
    })
  return paginate(context, selected, found => issueJson(context, repository, found))
}

const listComments: Handler = context => {
  const repository = repositoryOf(context)
  const issue = numberedOf(context, repository).item.number
  const since = stringOption(context.query.since)
  const comments = repository.comments.filter(
    comment => comment.issue === issue && (since === undefined || comment.updatedAt >= since)
  )
  return paginate(context, comments, comment => context.resources.comment(repository, comment))
}

const createComment: Handler = context => {
  const repository = repositoryOf(context)
  const { item } = numberedOf(context, repository)
  const now = timestamp()
  const comment: IssueComment = {
    id: context.world.newId(),
    issue: item.number,
    author: context.user.login,
    body: String(context.body.body),
    createdAt: now,
    updatedAt: now
  }
  repository.comments.push(comment)
  item.updatedAt = now
  return { status: 201, body: context.resources.comment(repository, comment) }
}

const updateComment: Handler = context => {
  const repository = repositoryOf(context)
  const comment = repository.comments.find(candidate => candidate.id === integerParam(context, 'comment_id'))
  if (comment === undefined) throw notFound()
  const isAuthor = isLogin(comment.author, context.user.login)
  if (!isAuthor && !context.world.canWrite(repository, context.user.login)) throw forbidden()
  comment.body = String(context.body.body)
  comment.updatedAt = timestamp()
  return { status: 200, body: context.resources.comment(repository, comment) }
}

const addLabels: Handler = context => {
  const repository = repositoryOf(context)
  if (!canTriage(context, repository)) throw forbidden()
  const { item } = numberedOf(context, repository)
  const onIssue = applyLabels(context, repository, item.number, labelNames(context.body))
  item.updatedAt = timestamp()
  return {
    status: 200,
    body: onIssue.map(name => context.resources.label(repository, repository.labels.get(name.toLowerCase())!))
  }
}

export const issueHandlers: Record<string, Handler> = {
  'issues/create': createIssue,
  'issues/get': getIssue,
  'issues/update': updateIssue,
  'issues/list-for-repo': listForRepo,
  'issues/list-comments': listComments,
  'issues/create-comment': createComment,
  'issues/update-comment': updateComment,
  'issues/add-labels': addLabels
}
