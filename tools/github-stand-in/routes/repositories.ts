import { type Handler, notFound, repositoryOf, stringOption } from '../http.js'

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

export const repositoryHandlers: Record<string, Handler> = {
  'repos/get': getRepository,
  'repos/create-fork': createFork,
  'repos/get-collaborator-permission-level': getCollaboratorPermission,
  'teams/get-membership-for-user-in-org': getTeamMembership
}
