import { createOctokit, gitHubSettings } from '../github/github.js'
import { PromotionRepository } from '../github/repository.js'
import type { CommandContext } from './command.js'

/**
 * The repository client when the run belongs to a GitHub repository (GITHUB_REPOSITORY is set), else undefined.
 * Made before a command's first write, so a missing or unusable token stops it while nothing is written yet.
 */
export function gitHubRepository(context: CommandContext): PromotionRepository | undefined {
  if (!context.env.GITHUB_REPOSITORY) return undefined
  const settings = gitHubSettings(context.env, context.inputs.githubToken)
  return new PromotionRepository(
    createOctokit(settings, message => context.log.warning(message)),
    settings
  )
}

export const NO_REPOSITORY_WARNING =
  'GITHUB_REPOSITORY is not set, so no promotion pull request is opened (set `open-pr: false` to say so).'
