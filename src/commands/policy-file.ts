import { InputError } from '../domain/input-error.js'
import { createHash } from 'node:crypto'
import { readFile, realpath, stat } from 'node:fs/promises'
import { isAbsolute, relative, resolve, sep } from 'node:path'
import { parsePolicy } from '../domain/policy/load.js'
import type { Policy } from '../domain/policy/schema.js'

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
  const outside = () =>
    new InputError(
      `The policy file ${policyPath} is outside the workspace ${workspace}: the policy must be a file of the ` +
        'checked-out repository.'
    )
  if (!isInside(resolve(workspace), absolute)) throw outside()
  let content: Buffer
  try {
    // Symbolic links are followed only within the workspace; only a regular file is read (a FIFO would hang).
    const [root, real] = await Promise.all([realpath(workspace), realpath(absolute)])
    if (!isInside(root, real)) throw outside()
    const info = await stat(real)
    if (!info.isFile()) {
      throw new InputError(
        `The policy file ${shown} is ${info.isDirectory() ? 'a directory' : 'not a regular file'}: point the \`policy\` input at the YAML file.`
      )
    }
    content = await readFile(real)
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code
    if (code === 'ENOENT') {
      throw new InputError(
        `The policy file ${shown} does not exist in the workspace ${workspace}. Check out the repository first ` +
          '(actions/checkout) or point the `policy` input at the file.',
        { cause: error }
      )
    }
    if (code === undefined) throw error // one of the messages above
    throw new InputError(`The policy file ${shown} cannot be read: ${(error as Error).message}`, {
      cause: error
    })
  }
  return { policy: parsePolicy(content.toString('utf8'), shown), path: shown, sha: gitBlobSha(content) }
}

/** Whether `path` is `root` or lies below it. */
function isInside(root: string, path: string): boolean {
  const rel = relative(root, path)
  return !isAbsolute(rel) && rel.split(sep)[0] !== '..'
}
