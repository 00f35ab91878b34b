import {
  type Handler,
  notFound,
  type Reply,
  repositoryOf,
  requireWrite,
  stringOption,
  validationFailed
} from '../http.js'
import type { Activity } from '../state.js'

const getRepository: Handler = context => ({
  status: 200,
  body: context.resources.repository(repositoryOf(context), context.user.login)
})

/** Forks into the caller's account (or an organization named in the body); an existing fork is returned. */
const createFork: Handler = context => {
  const source = repositoryOf(context)
  const owner = stringOption(context.body.organization) ?? context.user.login
  const fork = context.world.fork(source, owner)
  return { status: 202, body: context.resources.repository(fork, context.user.login) }
}

const getCollaboratorPermission: Handler = context => {
  const repository = repositoryOf(context)
  const user = context.world.user(context.pathParams.username)
  if (user === undefined) throw notFound()
  return { status: 200, body: context.resources.collaboratorPermission(repository, user.login) }
}

const getTeamMembership: Handler = context => {
  const { org, team_slug: slug, username } = context.pathParams
  const team = context.world.team(org, slug)
  const login = username.toLowerCase()
  if (team === undefined) throw notFound()
  const role = team.maintainers.has(login) ? 'maintainer' : team.members.has(login) ? 'member' : undefined
  if (role === undefined) throw notFound()
  return { status: 200, body: context.resources.teamMembership(team.org, team.slug, username, role) }
}

/**
 * The repository activity API (https://docs.github.com/rest/repos/repos#list-repository-activities): every push,
 * force push, branch creation and deletion and pull-request merge with the account that did it, newest first
 * unless `direction=asc`, filtered by `ref` (`refs/heads/<branch>` or the bare name), `actor` and `activity_type`,
 * and paginated with `before`/`after` cursors in the `Link` header, not page numbers.
 */
const listActivities: Handler = context => {
  const repository = repositoryOf(context)
  const ref = stringOption(context.query.ref)
  const wantedRef = ref === undefined ? undefined : ref.startsWith('refs/') ? ref : `refs/heads/${ref}`
  const actor = stringOption(context.query.actor)?.toLowerCase()
  const type = stringOption(context.query.activity_type)
  const ascending = stringOption(context.query.direction) === 'asc'
  const listed = repository.activities
    .filter(
      (activity: Activity) =>
        (wantedRef === undefined || activity.ref === wantedRef) &&
        (actor === undefined || activity.actor.toLowerCase() === actor) &&
        (type === undefined || activity.type === type)
    )
    .slice()
  if (!ascending) listed.reverse()
  const perPage = Math.min(Math.max(Number(context.query.per_page ?? 30) || 30, 1), 100)
  const cursor = stringOption(context.query.after)
  const start = cursor === undefined ? 0 : Number(Buffer.from(cursor, 'base64url').toString('utf8')) || 0
  const page = listed.slice(start, start + perPage)
  const reply: Reply = { status: 200, body: page.map(activity => context.resources.activity(activity)) }
  if (start + perPage < listed.length) {
    const next = new URL(context.url)
    next.searchParams.set('per_page', String(perPage))
    next.searchParams.set('after', Buffer.from(String(start + perPage)).toString('base64url'))
    reply.headers = { link: `<${next.href}>; rel="next"` }
  }
  return reply
}

/**
 * Create a repository dispatch event (https://docs.github.com/rest/repos/repos#create-a-repository-dispatch-event):
 * needs write access (`contents: write`; GitHub answers 404 to a reader, as it documents no 403 here); 204 with no
 * body. The body's limits (event_type 1–100 characters, client_payload at most 10 top-level properties) are the
 * OpenAPI description's and are checked there; the 64 KB payload limit is GitHub's prose, checked here.
 */
const createDispatchEvent: Handler = context => {
  const repository = repositoryOf(context)
  requireWrite(context, repository)
  const payload = (context.body.client_payload ?? {}) as Record<string, unknown>
  if (JSON.stringify(payload).length >= 64 * 1024) {
    throw validationFailed('client_payload is too large: the total size must be less than 64KB')
  }
  repository.dispatches.push({
    eventType: String(context.body.event_type),
    clientPayload: payload,
    sender: context.user.login
  })
  return { status: 204 }
}

export const repositoryHandlers: Record<string, Handler> = {
  'repos/list-activities': listActivities,
  'repos/get': getRepository,
  'repos/create-dispatch-event': createDispatchEvent,
  'repos/create-fork': createFork,
  'repos/get-collaborator-permission-level': getCollaboratorPermission,
  'teams/get-membership-for-user-in-org': getTeamMembership
}
