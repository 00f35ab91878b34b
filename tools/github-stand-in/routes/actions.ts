import { type Handler, integerParam, notFound, repositoryOf } from '../http.js'

const getWorkflowRun: Handler = context => {
  const repository = repositoryOf(context)
  const run = repository.workflowRuns.get(integerParam(context, 'run_id'))
  if (run === undefined) throw notFound()
  const withPullRequests = context.query.exclude_pull_requests !== true
  return { status: 200, body: context.resources.workflowRun(repository, run, withPullRequests) }
}

export const actionsHandlers: Record<string, Handler> = {
  'actions/get-workflow-run': getWorkflowRun
}
