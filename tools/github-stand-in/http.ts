import type { Resources } from './resources.js'
import type { Repository, User, World } from './state.js'

export type Json = Record<string, unknown>

export interface Reply {
  status: number
  body?: unknown
  headers?: Record<string, string>
}

const DOCUMENTATION_URL = 'https://docs.github.com/rest'

/** An error answer; thrown by handlers and turned into a response by the server. */
export class HttpError extends Error {
  constructor(
    readonly status: number,
    readonly body: Json
  ) {
    super(String(body.message))
  }
}

export const errorBody = (message: string, extra: Json = {}): Json => ({
  message,
  documentation_url: DOCUMENTATION_URL,
  ...extra
})

export const notFound = () => new HttpError(404, errorBody('Not Found'))

/**
 * Refused access. GitHub answers 403 where it documents it; where an operation documents only 404 the server
 * answers that instead (GitHub hides what a caller may not touch), so the response stays within the description.
 */
export const forbidden = (message = 'Must have push access to this repository') =>
  new HttpError(403, errorBody(message))

/** The `validation-error` shape (422 with structured errors). */
export const validationFailed = (message: string, errors: Json[] = []) =>
  new HttpError(422, errorBody(message, errors.length > 0 ? { errors } : {}))

/** The `validation-error-simple` shape (422 with string errors), used by the reviews endpoints. */
export const unprocessable = (error: string) =>
  new HttpError(422, errorBody('Unprocessable Entity', { errors: [error], status: '422' }))

export interface RequestContext {
  world: World
  resources: Resources
  user: User
  pathParams: Record<string, string>
  query: Record<string, unknown>
  /** The JSON request body, already validated against the operation's schema (`{}` when there was none). */
  body: Json
  /** The URL of this request, for building pagination links. */
  url: URL
}

export type Handler = (context: RequestContext) => Reply

export function repositoryOf(context: RequestContext): Repository {
  const { owner, repo } = context.pathParams
  const repository = context.world.repository(`${owner}/${repo}`)
  if (repository === undefined) throw notFound()
  return repository
}

export function requireWrite(context: RequestContext, repository: Repository): void {
  if (!context.world.canWrite(repository, context.user.login)) throw forbidden()
}

export function integerParam(context: RequestContext, name: string): number {
  return Number(context.pathParams[name])
}

export function stringOption(value: unknown): string | undefined {
  return typeof value === 'string' ? value : undefined
}

/** One page of a list, with the `Link` header GitHub sends (`per_page` defaults to 30, at most 100). */
export function paginate<T>(context: RequestContext, items: T[], toJson: (item: T) => unknown): Reply {
  const perPage = Math.min(Math.max(Number(context.query.per_page ?? 30) || 30, 1), 100)
  const page = Math.max(Number(context.query.page ?? 1) || 1, 1)
  const lastPage = Math.max(Math.ceil(items.length / perPage), 1)
  const slice = items.slice((page - 1) * perPage, page * perPage)
  const link = (target: number, rel: string) => {
    const url = new URL(context.url)
    url.searchParams.set('per_page', String(perPage))
    url.searchParams.set('page', String(target))
    return `<${url.href}>; rel="${rel}"`
  }
  const links: string[] = []
  if (page > 1) links.push(link(page - 1, 'prev'), link(1, 'first'))
  if (page < lastPage) links.push(link(page + 1, 'next'), link(lastPage, 'last'))
  return {
    status: 200,
    body: slice.map(toJson),
    headers: links.length > 0 ? { link: links.join(', ') } : {}
  }
}
