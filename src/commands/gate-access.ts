import { PromotionRepository } from '../github/repository.js'
import { gitHubSettings } from '../github/settings.js'
import type { CommandContext } from './command.js'

/**
 * The repository client. Made before a command's first write, so a missing or unusable token stops it while
 * nothing is written yet. The Octokit client is loaded here, when a command first needs GitHub, not at start.
 */
export async function connectRepository(context: CommandContext): Promise<PromotionRepository> {
  const settings = gitHubSettings(context.env, context.inputs.githubToken)
  const { createOctokit } = await import('../github/github.js')
  return new PromotionRepository(
    createOctokit(settings, message => context.log.warning(message)),
    settings
  )
}

/** The repository client when the run belongs to a GitHub repository (GITHUB_REPOSITORY is set), else undefined. */
export async function gitHubRepository(context: CommandContext): Promise<PromotionRepository | undefined> {
  return context.env.GITHUB_REPOSITORY ? connectRepository(context) : undefined
}

export const NO_REPOSITORY_WARNING =
  'GITHUB_REPOSITORY is not set, so no promotion pull request is opened (set `open-pr: false` to say so).'
