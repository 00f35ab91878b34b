import { experimentRecord } from '../domain/experiment/plan.js'
import {
  experimentBranch,
  experimentOfBranch,
  promotionBranch,
  rollbackBranch,
  versionOfBranch,
  versionOfRollbackBranch
} from '../domain/names.js'
import type { PushFacts } from '../domain/pushers.js'
import {
  evenSplit,
  productionEntries,
  proposeRecord,
  readableRecord,
  renderRecord,
  type ProductionEntry
} from '../domain/record.js'
import type { PromotionRepository } from '../github/repository.js'

export interface GateWriteContext {
  model: string
  recordFile: string
  strategy: 'replace' | 'ab'
  /** The registry's production versions, primary first (read once, when needed). */
  registryProduction: () => Promise<string[]>
}

/**
 * Whether pushes made by automation identities are the gate's own writes. Every workflow of a repository pushes
 * as `github-actions[bot]`, so a writer can make a push look automated; what only the gate writes is its proposal:
 * on `promotion/<model>/v<n>` the record that evaluate proposes for version n, on `…/rollback-v<n>` the record of
 * a rollback to n, on `…/experiment-v<n>-to-<t>` the record before with challenger n at t percent. A push by automation that left anything else is nobody's that can be named, and refuses.
 * Returns why, or undefined when every automated push is a gate write.
 */
export async function checkAutomatedPushes(
  repo: PromotionRepository,
  branch: string,
  context: GateWriteContext,
  automated: PushFacts[]
): Promise<string | undefined> {
  const writes = automated.filter(push => push.type !== 'branch_creation')
  if (writes.length === 0) return undefined
  const promoted = versionOfBranch(context.model, branch)
  const rolledBackTo = versionOfRollbackBranch(context.model, branch)
  const experiment = experimentOfBranch(context.model, branch)
  if (promoted === undefined && rolledBackTo === undefined && experiment === undefined) {
    const [push] = writes
    return `${push.actor} pushed ${push.after.slice(0, 7)} to ${branch}, which is not a branch the gate writes (${promotionBranch(context.model, 'N')}, ${rollbackBranch(context.model, 'N')} or ${experimentBranch(context.model, 'N', 'T')}); pushes by automation identities cannot be traced to a person`
  }
  let registry: Promise<string[]> | undefined
  const registryProduction = () => (registry ??= context.registryProduction())
  for (const push of writes) {
    const [after, before] = await Promise.all([
      repo.readFile(context.recordFile, push.after),
      repo.readFile(context.recordFile, push.before)
    ])
    const proposals: ProductionEntry[][] = []
    const previous = before && readableRecord(before.content, context.recordFile)
    if (rolledBackTo !== undefined) proposals.push([{ version: rolledBackTo, traffic: 100 }])
    else if (experiment !== undefined) {
      // A traffic change between versions already in production, so always relative to a record.
      if (previous)
        proposals.push(experimentRecord(productionEntries(previous), experiment.version, experiment.traffic))
    } else {
      if (previous) proposals.push(proposeRecord(productionEntries(previous), promoted!, context.strategy))
      proposals.push(proposeRecord(evenSplit(await registryProduction()), promoted!, context.strategy))
    }
    const wanted = proposals.map(entries => renderRecord(context.model, entries))
    if (after === undefined || !wanted.includes(after.content)) {
      return `${push.actor} pushed ${push.after.slice(0, 7)} to ${branch} with a record the gate does not propose for it; pushes by automation identities count as the gate's only when they write its proposal (a person's edits are pushed as that person, who then counts as an author)`
    }
  }
  return undefined
}
