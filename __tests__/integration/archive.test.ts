import { afterAll, describe, expect, it } from '@jest/globals'
import pLimit from 'p-limit'
import { archiveCommand } from '../../src/commands/archive.js'
import { quote } from '../../src/registry/client.js'
import type { ModelVersion } from '../../src/domain/registry-model.js'
import { runCommand, workspaceWith } from '../harness/commands.js'
import { clientFor, createModelFrom, testServers, uniqueName } from '../harness/servers.js'

const POLICY = '.github/model-promotion.yml'
const DAY = 86_400_000

function policy(model: string, lifecycle: string): string {
  return [
    'version: 1',
    `registry: { lifecycle: ${lifecycle} }`,
    'models:',
    `  ${JSON.stringify(model)}:`,
    '    staging:',
    '      rules: [{ run_status: FINISHED }]',
    '    retention:',
    '      archive_staging_after_days: 30',
    '      keep_archived: 100'
  ].join('\n')
}

const snapshot = (versions: ModelVersion[]) =>
  Object.fromEntries(
    versions.map(v => [
      v.version,
      { stage: v.current_stage, tags: [...v.tags].sort((a, b) => a.key.localeCompare(b.key)) }
    ])
  )

describe.each(testServers())('archive against %s', (_label, server) => {
  const client = clientFor(server.url)
  afterAll(() => client.http.close())
  const { iris } = server.seed.models
  const old = new Date(Date.now() - 60 * DAY).toISOString()

  async function run(model: string, lifecycle: string, dryRun: boolean) {
    return runCommand(archiveCommand, {
      url: server.url,
      workspace: workspaceWith({ [POLICY]: policy(model, lifecycle) }),
      inputs: { command: 'archive', model, policy: POLICY, 'dry-run': String(dryRun) }
    })
  }

  async function allVersions(model: string): Promise<ModelVersion[]> {
    return client.searchModelVersions(`name=${quote(model)}`)
  }

  it('plans, then archives exactly the planned versions of a model with 1,000 versions in mixed states (stages)', async () => {
    if (!server.seed.mlflow3) return // the thousand-version run is done once, on the 3.x server
    const name = uniqueName('archive-scale')
    await client.createRegisteredModel(name)
    const source = await client.getModelVersion(iris.name, iris.champion.version)
    const modelId = /^models:\/(m-[0-9a-f]{32})$/.exec(source.source)?.[1]
    for (let i = 0; i < 1000; i++)
      await client.createModelVersion(name, source.source, { runId: source.run_id, modelId })

    // v%5: 0 staging for 60 days, 1 staging for 5 days, 2 never staged, 3 archived, 4 staging since today.
    const limit = pLimit(8)
    const recent = new Date(Date.now() - 5 * DAY).toISOString()
    await Promise.all(
      Array.from({ length: 1000 }, (_, i) => String(i + 1)).map(v =>
        limit(async () => {
          const kind = Number(v) % 5
          if (kind === 2) return
          await client.transitionStage(name, v, kind === 3 ? 'Archived' : 'Staging', false)
          if (kind === 0 || kind === 1) {
            await client.setModelVersionTag(name, v, 'promotion.decision', 'passed')
            await client.setModelVersionTag(name, v, 'promotion.evaluated_at', kind === 0 ? old : recent)
          }
        })
      )
    )
    await client.transitionStage(name, '1000', 'Production', false)
    await client.setModelVersionTag(name, '1000', 'promotion.previous_production', '995')
    await client.setAlias(name, 'shadow', '500')
    const expected = Array.from({ length: 1000 }, (_, i) => String(i + 1)).filter(
      v => Number(v) % 5 === 0 && !['1000', '995', '500'].includes(v)
    )
    expect(expected).toHaveLength(197)

    const before = snapshot(await allVersions(name))
    const dry = await run(name, 'stages', true)
    expect(dry.error).toBeUndefined()
    expect(dry.outcome!.outputs.decision).toBe('planned')
    const planned = JSON.parse(dry.outcome!.outputs['archived-versions']) as { version: string }[]
    expect(planned.map(p => p.version)).toEqual(expected)
    expect(dry.outcome!.summary).toContain('197 versions would be archived across 1 model')
    expect(dry.outcome!.summary).toContain(
      'v500 (holds alias shadow), v995 (the version production would roll back to)'
    )
    expect(snapshot(await allVersions(name))).toEqual(before)

    const real = await run(name, 'stages', false)
    expect(real.outcome!.outputs.decision).toBe('archived')
    const after = snapshot(await allVersions(name))
    const changed = Object.keys(after).filter(v => JSON.stringify(after[v]) !== JSON.stringify(before[v]))
    expect(changed.sort((a, b) => Number(a) - Number(b))).toEqual(expected)
    for (const v of expected) {
      expect(after[v].stage).toBe('Archived')
      expect(after[v].tags.map(t => t.key)).toEqual(
        expect.arrayContaining(['promotion.archived_at', 'promotion.archived_reason'])
      )
    }
    // Archived beyond keep_archived (100) is reported, never deleted: 200 were archived before, 197 now.
    expect(real.outcome!.summary).toMatch(
      /Archived versions beyond `keep_archived` \(reported, never deleted\): v3, v5, v8, v10,/
    )
    expect((await allVersions(name)).length).toBe(1000)

    const again = await run(name, 'stages', false)
    expect(again.outcome!.outputs.decision).toBe('none')
  }, 300_000)

  it('in the aliases lifecycle, tags passed versions never promoted and leaves aliased ones', async () => {
    const name = uniqueName('archive-aliases')
    const [v1, v2, v3] = await createModelFrom(client, name, [
      [iris.name, iris.champion.version],
      [iris.name, iris.champion.version],
      [iris.name, iris.champion.version]
    ])
    for (const v of [v1, v2, v3]) {
      await client.setModelVersionTag(name, v, 'promotion.decision', 'passed')
      await client.setModelVersionTag(name, v, 'promotion.evaluated_at', old)
    }
    await client.setAlias(name, 'champion', v1)
    await client.setAlias(name, 'challenger', v3)
    const result = await run(name, 'aliases', false)
    expect(JSON.parse(result.outcome!.outputs['archived-versions'])).toEqual([
      { model: name, version: v2, reason: 'in staging for 60 days without promotion (retention: 30 days)' }
    ])
    const tags = (await client.getModelVersion(name, v2)).tags.map(t => t.key)
    expect(tags).toContain('promotion.archived_at')
    expect((await client.getRegisteredModel(name)).aliases).toHaveLength(2)
  })
})
