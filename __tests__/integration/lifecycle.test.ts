import { afterAll, describe, expect, it } from '@jest/globals'
import { createLifecycle, type LifecycleKind } from '../../src/registry/lifecycle/index.js'
import { clientFor, createModelWithVersions, testServers, uniqueName } from '../harness/servers.js'

const kinds: LifecycleKind[] = ['stages', 'aliases', 'both']

describe.each(testServers())('lifecycle adapters against %s', (_label, server) => {
  const client = clientFor(server.url)
  afterAll(() => client.http.close())

  async function stageOf(name: string, version: string): Promise<string> {
    return (await client.getModelVersion(name, version)).current_stage
  }
  async function aliasesOf(name: string): Promise<Record<string, string>> {
    const model = await client.getRegisteredModel(name)
    return Object.fromEntries(model.aliases.map(a => [a.alias, a.version]))
  }

  describe.each(kinds)('%s', kind => {
    const usesStages = kind !== 'aliases'
    const usesAliases = kind !== 'stages'

    it('moves versions to staging, replaces production atomically, and archives', async () => {
      const name = uniqueName(`lc-${kind}`)
      const [v1, v2, v3] = await createModelWithVersions(client, server, name, 3)
      const lifecycle = createLifecycle(client, kind)
      expect(await lifecycle.productionVersions(name)).toEqual([])

      await lifecycle.moveToStaging(name, v1)
      expect(await lifecycle.stagingVersions(name)).toEqual([v1])
      if (usesStages) expect(await stageOf(name, v1)).toBe('Staging')
      if (usesAliases) expect(await aliasesOf(name)).toEqual({ challenger: v1 })

      await lifecycle.promoteReplacing(name, v1)
      expect(await lifecycle.productionVersions(name)).toEqual([v1])
      if (usesStages) expect(await stageOf(name, v1)).toBe('Production')
      if (usesAliases) expect(await aliasesOf(name)).toEqual({ champion: v1 })

      await lifecycle.moveToStaging(name, v2)
      await lifecycle.promoteReplacing(name, v2)
      expect(await lifecycle.productionVersions(name)).toEqual([v2])
      if (usesStages) {
        expect(await stageOf(name, v1)).toBe('Archived')
        expect(await stageOf(name, v2)).toBe('Production')
      }
      if (usesAliases) expect(await aliasesOf(name)).toEqual({ champion: v2 })

      // A/B: a second production version next to the first.
      await lifecycle.promoteAlongside(name, v3)
      expect([...(await lifecycle.productionVersions(name))].sort()).toEqual([v2, v3].sort())
      if (usesAliases) expect(await aliasesOf(name)).toEqual({ champion: v2, 'champion-2': v3 })
      // promoting alongside twice changes nothing
      await lifecycle.promoteAlongside(name, v3)
      if (usesAliases) expect(await aliasesOf(name)).toEqual({ champion: v2, 'champion-2': v3 })

      await lifecycle.archive(name, v3)
      expect(await lifecycle.productionVersions(name)).toEqual([v2])
      if (usesStages) expect(await stageOf(name, v3)).toBe('Archived')
      if (usesAliases) expect(await aliasesOf(name)).toEqual({ champion: v2 })

      // Ending A/B by replacing drops the extra production versions too.
      await lifecycle.promoteAlongside(name, v1)
      await lifecycle.promoteReplacing(name, v1)
      expect(await lifecycle.productionVersions(name)).toEqual([v1])
      if (usesAliases) expect(await aliasesOf(name)).toEqual({ champion: v1 })
    })

    it('sets the production set exactly, adding before retiring, and writes nothing when it is already right', async () => {
      const name = uniqueName(`lc-set-${kind}`)
      const [v1, v2, v3] = await createModelWithVersions(client, server, name, 3)
      const lifecycle = createLifecycle(client, kind)
      await lifecycle.moveToStaging(name, v2)
      await lifecycle.setProduction(name, [v1])
      expect(await lifecycle.productionVersions(name)).toEqual([v1])

      await lifecycle.setProduction(name, [v1, v2])
      expect(new Set(await lifecycle.productionVersions(name))).toEqual(new Set([v1, v2]))
      if (usesAliases) expect(await aliasesOf(name)).toEqual({ champion: v1, 'champion-2': v2 })
      if (usesStages)
        expect([await stageOf(name, v1), await stageOf(name, v2)]).toEqual(['Production', 'Production'])

      await lifecycle.setProduction(name, [v3, v1])
      if (usesAliases) expect(await aliasesOf(name)).toEqual({ champion: v3, 'champion-2': v1 })
      if (usesStages) {
        expect([await stageOf(name, v1), await stageOf(name, v2), await stageOf(name, v3)]).toEqual([
          'Production',
          'Archived',
          'Production'
        ])
      }

      await lifecycle.setProduction(name, [v3])
      expect(await lifecycle.productionVersions(name)).toEqual([v3])
      if (usesAliases) expect(await aliasesOf(name)).toEqual({ champion: v3 })

      const before = (await client.getRegisteredModel(name)).last_updated_timestamp
      const versionsBefore = await Promise.all([v1, v2, v3].map(v => client.getModelVersion(name, v)))
      await lifecycle.setProduction(name, [v3])
      expect((await client.getRegisteredModel(name)).last_updated_timestamp).toBe(before)
      expect(await Promise.all([v1, v2, v3].map(v => client.getModelVersion(name, v)))).toEqual(
        versionsBefore
      )
    })

    it('refuses to archive the only production version', async () => {
      const name = uniqueName(`lc-only-${kind}`)
      const [v1] = await createModelWithVersions(client, server, name, 1)
      const lifecycle = createLifecycle(client, kind)
      await lifecycle.promoteReplacing(name, v1)
      await expect(lifecycle.archive(name, v1)).rejects.toThrow(/only production version/)
      expect(await lifecycle.productionVersions(name)).toEqual([v1])
    })
  })

  it('uses configured alias names', async () => {
    const name = uniqueName('lc-names')
    const [v1, v2] = await createModelWithVersions(client, server, name, 2)
    const lifecycle = createLifecycle(client, 'aliases', {
      staging: 'candidate',
      production: 'prod',
      extraProduction: 'prod_ab{n}'
    })
    await lifecycle.moveToStaging(name, v1)
    await lifecycle.promoteReplacing(name, v2)
    expect(await aliasesOf(name)).toEqual({ candidate: v1, prod: v2 })
    await lifecycle.setProduction(name, [v2, v1])
    expect(await aliasesOf(name)).toEqual({ prod: v2, prod_ab2: v1 })
    expect(await lifecycle.productionVersions(name)).toEqual([v2, v1])
    await lifecycle.setProduction(name, [v1])
    expect(await aliasesOf(name)).toEqual({ prod: v1 })
  })
})
