export {
  GitHubStandIn,
  type Octokit,
  type OpenPullRequestOptions,
  type PullRequestAction,
  type RepoOptions,
  type ReviewEvent,
  type WorkflowRunOptions
} from './stand-in.js'
export type { RequestRecord, Violation } from './server.js'
export type { Permission } from './state.js'
