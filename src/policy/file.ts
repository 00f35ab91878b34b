import { createHash } from 'node:crypto'
import { readFile } from 'node:fs/promises'
import { isAbsolute, relative, resolve } from 'node:path'
import { parsePolicy } from './load.js'
import type { Policy } from './schema.js'

export interface LoadedPolicy {
  policy: Policy
  /** The path as written in the repository, used in messages and annotations. */
  path: string
  /** Git's blob id of the file, so `git log --find-object=<sha>` finds the exact policy a verdict used. */
  sha: string
}

/** Git's object id for a blob with this content (what `git hash-object` prints). */
export function gitBlobSha(content: Buffer): string {
  return createHash('sha1').update(`blob ${content.length}\0`).update(content).digest('hex')
}

/** Reads and validates the policy file from the checked-out workspace; fails closed when it is absent. */
export async function loadPolicyFile(workspace: string, policyPath: string): Promise<LoadedPolicy> {
  const absolute = isAbsolute(policyPath) ? policyPath : resolve(workspace, policyPath)
  const shown = isAbsolute(policyPath) ? relative(workspace, absolute) || policyPath : policyPath
  let content: Buffer
  try {
    content = await readFile(absolute)
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code
    if (code === 'ENOENT') {
      throw new Error(
        `The policy file ${shown} does not exist in the workspace ${workspace}. Check out the repository first ` +
          '(actions/checkout) or point the `policy` input at the file.',
        { cause: error }
      )
    }
    throw new Error(`The policy file ${shown} cannot be read: ${(error as Error).message}`, { cause: error })
  }
  return { policy: parsePolicy(content.toString('utf8'), shown), path: shown, sha: gitBlobSha(content) }
}
