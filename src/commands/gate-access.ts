import { createOctokit, gitHubSettings } from '../gate/github.js'
import { PromotionRepository } from '../gate/repository.js'
import type { CommandContext } from './command.js'

/** The repository client, made on first use; undefined (with a warning) outside GitHub Actions. */
export function lazyGate(context: CommandContext): () => PromotionRepository | undefined {
  let repo: PromotionRepository | undefined
  let warned = false
  return () => {
    if (repo !== undefined) return repo
    if (!context.env.GITHUB_REPOSITORY) {
      if (!warned)
        context.log.warning(
          'GITHUB_REPOSITORY is not set, so no promotion pull request is opened (set `open-pr: false` to say so).'
        )
      warned = true
      return undefined
    }
    const settings = gitHubSettings(context.env, context.inputs.githubToken)
    repo = new PromotionRepository(createOctokit(settings), settings)
    return repo
  }
}
