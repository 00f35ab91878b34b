import { describe, expect, it } from '@jest/globals'
import type { Scenario } from '../harness/gate-world.js'
import { useGateWorld } from '../harness/gate-suite.js'
import { runBundle } from '../harness/runner.js'
import { testServers } from '../harness/servers.js'

const [[label, server]] = testServers()

/**
 * A repository that requires a merge queue: the required checks run on `merge_group` events (the queue's commit
 * of the pull request on top of the queue), and github-merge-queue[bot] merges. Approvals still come from the pull
 * request's reviews, re-read through the API.
 */
describe(`the gate with a merge queue, against MLflow ${label}`, () => {
  const world = useGateWorld(server)
  const { weaker, stronger } = world.seeded

  const verifyGroup = (s: Scenario, event: unknown) =>
    runBundle(world.inputs('verify'), { env: world.env(s), event: { name: 'merge_group', payload: event } })

  async function queuedPromotion(s: Scenario, approvers: string[]) {
    const evaluated = await world.evaluate(s, s.versions[1])
    expect(evaluated.status).toBe(0)
    const number = Number(evaluated.outputs['pr-number'])
    for (const login of approvers) await world.github.review(login, s.repo, number, 'APPROVE')
    return { number, group: world.github.enqueue(s.repo, number) }
  }

  it('verify passes the queued group of an approved promotion; the queue merges; promote puts it in production', async () => {
    const s = await world.scenario([weaker, stronger], { champion: 0 })
    const { number, group } = await queuedPromotion(s, ['alice', 'bob'])

    const verified = await verifyGroup(s, group)
    expect(verified.stdout).not.toContain('::error::')
    expect(verified.status).toBe(0)
    expect(verified.outputs.decision).toBe('verified')
    expect(verified.outputs['pr-number']).toBe(String(number))
    expect(verified.summary).toContain('| ✅ | merge group |')
    expect(verified.summary).toContain('| ✅ | approvals |')

    const merged = world.github.mergeFromQueue(s.repo)
    expect(world.github.pullRequest(s.repo, number)).toMatchObject({
      merged: true,
      merged_by: { login: 'github-merge-queue[bot]' },
      merge_commit_sha: merged.sha
    })
    const promoted = await world.promote(s, number, 'github-merge-queue[bot]')
    expect(promoted.stdout).not.toContain('::error::')
    expect(promoted.status).toBe(0)
    expect(promoted.outputs.decision).toBe('promoted')
    expect(await world.productionVersions(s)).toEqual([s.versions[1]])
    const tags = await world.promotionTags(s, s.versions[1])
    expect(tags['promotion.merged_by']).toBe('github-merge-queue[bot]')
    expect(tags['promotion.approved_by']?.split(',').sort()).toEqual(['alice', 'bob'])
  })

  it('verify fails the queued group of a promotion without the approvals the policy asks for', async () => {
    const s = await world.scenario([weaker, stronger], { champion: 0 })
    const { group } = await queuedPromotion(s, ['alice'])
    const verified = await verifyGroup(s, group)
    expect(verified.status).toBe(1)
    expect(verified.outputs.decision).toBe('stale')
    expect(verified.summary).toContain('| ❌ | approvals |')
    // …and had it merged anyway (an admin bypassing the rule), promote would refuse it as it refuses any merge.
    const { number } = world.github.mergeFromQueue(s.repo)
    const promoted = await world.promote(s, number, 'github-merge-queue[bot]')
    expect(promoted.status).toBe(1)
    expect(await world.productionVersions(s)).toEqual([s.versions[0]])
  })

  it('verify lets a queued pull request that changes no promotion record through, as not the gate’s', async () => {
    const s = await world.scenario([weaker, stronger], { champion: 0 })
    const code = await world.github.openPullRequest('alice', s.repo, {
      branch: 'docs',
      title: 'Docs',
      files: { 'README.md': '# models, documented\n' }
    })
    const verified = await verifyGroup(s, world.github.enqueue(s.repo, code.number))
    expect(verified.status).toBe(0)
    expect(verified.outputs.decision).toBe('noop')
    expect(verified.stdout).toContain(
      `Pull request #${code.number} changes no promotion record; nothing to verify.`
    )
    // A pull request that changes a record and something else is still judged, and fails.
    const mixed = await world.github.openPullRequest('alice', s.repo, {
      branch: 'mixed',
      title: 'Promote and more',
      files: {
        [`.github/models/${s.model}.yml`]: `model: ${s.model}\nproduction:\n  - version: ${s.versions[1]}\n`,
        'README.md': 'changed\n'
      }
    })
    const judged = await verifyGroup(s, world.github.enqueue(s.repo, mixed.number))
    expect(judged.status).toBe(1)
    expect(judged.outputs.decision).toBe('stale')
  })

  it('verify refuses a group event that names an approved pull request over another one’s commit; a stale group verifies nothing', async () => {
    const s = await world.scenario([weaker, stronger], { champion: 0 })
    const approved = await queuedPromotion(s, ['alice', 'bob'])
    const byHand = await world.github.openPullRequest('alice', s.repo, {
      branch: 'unapproved',
      title: 'Unapproved',
      files: {
        [`.github/models/${s.model}.yml`]: `model: ${s.model}\nproduction:\n  - version: ${s.versions[0]}\n`
      }
    })
    const other = world.github.enqueue(s.repo, byHand.number) as {
      merge_group: { head_sha: string; base_sha: string; head_ref: string }
    }
    // The approved pull request's number, over the commit and base of the other one's group.
    const mixed = JSON.parse(JSON.stringify(approved.group)) as typeof other
    mixed.merge_group.head_sha = other.merge_group.head_sha
    mixed.merge_group.base_sha = other.merge_group.base_sha
    const forged = await verifyGroup(s, mixed)
    expect(forged.status).toBe(1)
    expect(forged.summary).toContain('| ❌ | merge group |')
    // Re-running the approved group's verify after the queue merged it: its branch is gone.
    world.github.mergeFromQueue(s.repo)
    const stale = await verifyGroup(s, approved.group)
    expect(stale.status).toBe(0)
    expect(stale.outputs.decision).toBe('noop')
    expect(stale.stdout).toContain('is closed; nothing to verify')
  })

  it('verify refuses a merge_group event whose branch is not a merge queue’s', async () => {
    const s = await world.scenario([weaker, stronger], { champion: 0 })
    const { group } = await queuedPromotion(s, ['alice', 'bob'])
    const forged = JSON.parse(JSON.stringify(group)) as { merge_group: { head_ref: string } }
    forged.merge_group.head_ref = 'refs/heads/promotion/anything'
    const verified = await verifyGroup(s, forged)
    expect(verified.status).toBe(1)
    expect(verified.stdout).toContain('is not a merge queue branch')
  })
})
