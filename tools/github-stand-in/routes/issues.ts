import {
  forbidden,
  type Handler,
  integerParam,
  notFound,
  paginate,
  type RequestContext,
  repositoryOf,
  stringOption
} from '../http.js'
import { timestamp, type IssueComment, type Repository } from '../state.js'

/** Pull requests are the only issues the stand-in has. */
function issueNumber(context: RequestContext, repository: Repository): number {
  const number = integerParam(context, 'issue_number')
  if (!repository.pulls.has(number)) throw notFound()
  return number
}

const listComments: Handler = context => {
  const repository = repositoryOf(context)
  const issue = issueNumber(context, repository)
  const since = stringOption(context.query.since)
  const comments = repository.comments.filter(
    comment => comment.issue === issue && (since === undefined || comment.updatedAt >= since)
  )
  return paginate(context, comments, comment => context.resources.comment(repository, comment))
}

const createComment: Handler = context => {
  const repository = repositoryOf(context)
  const issue = issueNumber(context, repository)
  const now = timestamp()
  const comment: IssueComment = {
    id: context.world.newId(),
    issue,
    author: context.user.login,
    body: String(context.body.body),
    createdAt: now,
    updatedAt: now
  }
  repository.comments.push(comment)
  return { status: 201, body: context.resources.comment(repository, comment) }
}

const updateComment: Handler = context => {
  const repository = repositoryOf(context)
  const comment = repository.comments.find(candidate => candidate.id === integerParam(context, 'comment_id'))
  if (comment === undefined) throw notFound()
  const isAuthor = comment.author.toLowerCase() === context.user.login.toLowerCase()
  if (!isAuthor && !context.world.canWrite(repository, context.user.login)) throw forbidden()
  comment.body = String(context.body.body)
  comment.updatedAt = timestamp()
  return { status: 200, body: context.resources.comment(repository, comment) }
}

/** The body may be `["a"]`, `{labels: ["a"]}` or `{labels: [{name: "a"}]}`; unknown labels are created. */
function requestedLabels(body: unknown): string[] {
  const list = Array.isArray(body) ? body : ((body as { labels?: unknown[] }).labels ?? [])
  return list.map(item => (typeof item === 'string' ? item : String((item as { name: unknown }).name)))
}

const addLabels: Handler = context => {
  const repository = repositoryOf(context)
  if (context.world.permission(repository, context.user.login) === 'read') throw forbidden()
  const issue = issueNumber(context, repository)
  const onIssue = repository.issueLabels.get(issue) ?? []
  for (const name of requestedLabels(context.body)) {
    if (!repository.labels.has(name.toLowerCase())) {
      repository.labels.set(name.toLowerCase(), {
        id: context.world.newId(),
        name,
        color: 'ededed',
        // GitHub's description types labels inside pull requests with a non-null string description.
        description: ''
      })
    }
    if (!onIssue.some(existing => existing.toLowerCase() === name.toLowerCase())) onIssue.push(name)
  }
  repository.issueLabels.set(issue, onIssue)
  return {
    status: 200,
    body: onIssue.map(name => context.resources.label(repository, repository.labels.get(name.toLowerCase())!))
  }
}

export const issueHandlers: Record<string, Handler> = {
  'issues/list-comments': listComments,
  'issues/create-comment': createComment,
  'issues/update-comment': updateComment,
  'issues/add-labels': addLabels
}
