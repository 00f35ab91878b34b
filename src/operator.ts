import { userInfo } from 'node:os'

/** CI systems' own variables naming the person who started the job, in the order they are tried. */
const CI_USER_VARIABLES = [
  'GITLAB_USER_LOGIN', // GitLab CI
  'BUILD_USER_ID', // Jenkins (build-user-vars plugin)
  'BUILDKITE_BUILD_CREATOR', // Buildkite
  'CIRCLE_USERNAME', // CircleCI
  'BUILD_REQUESTEDFOR' // Azure Pipelines
] as const

/**
 * Who runs a command outside GitHub Actions, as it is recorded (rollback's `promotion.rolled_back_by`): the name
 * given with `--actor`, else the CI system's variable, else the OS user; each says where it came from, since none
 * of them is verified the way GitHub's workflow-run API is.
 */
export function operatorOutsideActions(given: string | undefined, env: NodeJS.ProcessEnv): string {
  const named = given?.trim()
  if (named) return `${named} (--actor)`
  for (const variable of CI_USER_VARIABLES) {
    const value = env[variable]?.trim()
    if (value) return `${value} (${variable})`
  }
  try {
    return `${userInfo().username} (OS user)`
  } catch {
    return 'unknown (run outside GitHub Actions)'
  }
}
