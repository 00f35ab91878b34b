import { afterAll, describe, expect, it } from '@jest/globals'
import { quote } from '../../src/registry/client.js'
import { MlflowApiError } from '../../src/registry/errors.js'
import { gatherEvidence, versionEvidence } from '../../src/registry/evidence.js'
import { AliasesLifecycle, StagesLifecycle } from '../../src/registry/lifecycle/index.js'
import { clientFor, createModelWithVersions, testServers, uniqueName } from '../harness/servers.js'

describe.each(testServers())('registry client and evidence against %s', (_label, server) => {
  const client = clientFor(server.url)
  const { models } = server.seed
  afterAll(() => client.http.close())

  it('reports the server version', async () => {
    expect(await client.serverVersion()).toBe(server.seed.mlflow_version)
  })

  it('gathers evidence for a version with a signature, with the champion', async () => {
    const evidence = await gatherEvidence(
      client,
      new AliasesLifecycle(client),
      models.iris.name,
      models.iris.challenger.version,
      { historyKeys: ['loss'] }
    )
    const { candidate, champions } = evidence
    expect(candidate.version.version).toBe(models.iris.challenger.version)
    expect(candidate.run?.runId).toBe(models.iris.challenger.run_id)
    expect(candidate.run?.status).toBe('FINISHED')
    expect(candidate.run?.metrics.accuracy).toBeCloseTo(0.97)
    expect(candidate.run?.metrics.nan_metric).toBeNaN()
    expect(candidate.run?.params.max_iter).toBe('300')
    expect(candidate.run?.tags.validation_status).toBe('passed')
    expect(candidate.run?.history.loss).toEqual([0.8, 0.5, 0.3, 0.2, 0.1])
    expect(candidate.signature?.inputs.map(field => [field.name, field.type])).toEqual([
      ['sepal_length', 'double'],
      ['sepal_width', 'double'],
      ['petal_length', 'double'],
      ['petal_width', 'double']
    ])
    expect(candidate.signature?.outputs[0].tensor?.dtype).toBe('int64')
    expect(candidate.signatureProblem).toBeUndefined()
    expect(champions.map(champion => champion.version.version)).toEqual([models.iris.champion.version])
    expect(champions[0].aliases).toContain('champion')
    expect(champions[0].run?.metrics.accuracy).toBeCloseTo(0.95)
  })

  it('reads logged-model dataset metrics on 3.x and says why there are none on 2.x', async () => {
    const version = await client.getModelVersion(models.iris.name, models.iris.challenger.version)
    const evidence = await versionEvidence(client, version, [])
    if (server.seed.mlflow3) {
      expect(evidence.loggedModelId).toMatch(/^m-[0-9a-f]{32}$/)
      const auc = evidence.datasetMetrics.filter(metric => metric.key === 'auc')
      expect(auc.map(metric => [metric.dataset, metric.value]).sort()).toEqual([
        ['holdout', 0.975],
        ['shadow', 0.91]
      ])
      expect(evidence.loggedModelProblem).toBeUndefined()
    } else {
      expect(evidence.datasetMetrics).toEqual([])
      expect(evidence.loggedModelProblem).toMatch(/not backed by an MLflow 3 logged model/)
    }
  })

  it('says when a version was logged without a signature', async () => {
    const version = await client.getModelVersion(
      models.no_signature.name,
      models.no_signature.version.version
    )
    const evidence = await versionEvidence(client, version, [])
    expect(evidence.signature).toBeUndefined()
    expect(evidence.signatureProblem).toBe('the model was logged without a signature')
  })

  it('keeps the evidence of a soft-deleted run and says it was deleted', async () => {
    const version = await client.getModelVersion(models.deleted_run.name, models.deleted_run.version.version)
    const evidence = await versionEvidence(client, version, [])
    expect(evidence.run?.metrics.accuracy).toBeCloseTo(0.9)
    expect(evidence.runProblem).toBe(`run ${models.deleted_run.version.run_id} has been deleted`)
  })

  it('says when the run behind a version was purged', async () => {
    const version = await client.getModelVersion(models.purged_run.name, models.purged_run.version.version)
    const evidence = await versionEvidence(client, version, [])
    expect(evidence.run).toBeUndefined()
    expect(evidence.runProblem).toMatch(/no longer exists/)
  })

  it('says when no run is linked and the artifacts cannot be read', async () => {
    const version = await client.getModelVersion(models.no_run.name, models.no_run.version.version)
    const evidence = await versionEvidence(client, version, [])
    expect(evidence.runProblem).toBe('no MLflow run is linked to this version')
    expect(evidence.signature).toBeUndefined()
    expect(evidence.signatureProblem).toMatch(/MLmodel file could not be read|no MLmodel file/)
  })

  it('resolves `latest` to the highest version number', async () => {
    const evidence = await gatherEvidence(client, new StagesLifecycle(client), models.iris.name, 'latest')
    expect(evidence.candidate.version.version).toBe(models.iris.challenger.version)
    expect(evidence.champions.map(champion => champion.version.version)).toEqual([
      models.iris.champion.version
    ])
  })

  it('gives MLflow`s RESOURCE_DOES_NOT_EXIST for a missing model and version', async () => {
    const missing = uniqueName('missing-model')
    await expect(client.getRegisteredModel(missing)).rejects.toMatchObject({
      name: 'MlflowApiError',
      errorCode: 'RESOURCE_DOES_NOT_EXIST',
      httpStatus: 404,
      message: expect.stringContaining(`Registered Model with name=${missing} not found`)
    })
    await expect(
      gatherEvidence(client, new AliasesLifecycle(client), missing, 'latest')
    ).rejects.toMatchObject({
      errorCode: 'RESOURCE_DOES_NOT_EXIST'
    })
    await expect(client.getModelVersion(models.iris.name, '999')).rejects.toMatchObject({
      errorCode: 'RESOURCE_DOES_NOT_EXIST',
      message: expect.stringContaining('version=999')
    })
  })

  it('round-trips names with spaces, dots and non-ASCII characters', async () => {
    const seeded = await client.getRegisteredModel(models.unusual.name)
    expect(seeded.name).toBe('fraud detector.v2 café-模型')
    expect(seeded.aliases).toEqual([{ alias: 'champion', version: models.unusual.version.version }])
    const name = uniqueName("ünïcødé model.v1 'quoted' 模型")
    const [version] = await createModelWithVersions(client, server, name, 1)
    expect((await client.getModelVersion(name, version)).name).toBe(name)
    const found = await client.searchModelVersions(`name=${quote(name)}`)
    expect(found.map(v => v.name)).toEqual([name])
    expect((await client.latestModelVersion(name))?.version).toBe(version)
    await client.setAlias(name, 'champion', version)
    expect((await client.getModelVersionByAlias(name, 'champion'))?.version).toBe(version)
    await client.setModelVersionTag(name, version, 'promotion.note', 'ünïcødé ✓')
    const tags = (await client.getModelVersion(name, version)).tags
    expect(tags).toContainEqual({ key: 'promotion.note', value: 'ünïcødé ✓' })
  })

  it('gives MLflow`s clear error for a name it rejects', async () => {
    // MLflow 3 rejects "/" and ":" in names; 2.x accepts them and rejects only an empty name.
    const [badName, expected] = server.seed.mlflow3
      ? ['team/model', /Names cannot contain '\/'/]
      : ['', /Missing value for required parameter 'name'/]
    const error = await client.createRegisteredModel(badName).catch((e: unknown) => e)
    expect(error).toBeInstanceOf(MlflowApiError)
    expect(error).toMatchObject({ errorCode: 'INVALID_PARAMETER_VALUE', httpStatus: 400 })
    expect((error as Error).message).toMatch(expected)
  })

  it('answers undefined for an alias that is not set', async () => {
    expect(await client.getModelVersionByAlias(models.iris.name, 'no-such-alias')).toBeUndefined()
  })

  it('pages through search results', async () => {
    const name = uniqueName('paging')
    const created = await createModelWithVersions(client, server, name, 5)
    const all = await client.searchModelVersions(`name='${name}'`, { pageSize: 2 })
    expect(all.map(v => v.version).sort()).toEqual([...created].sort())
    const models2 = await client.searchRegisteredModels(`name LIKE '${name}%'`)
    expect(models2.map(m => m.name)).toEqual([name])
  })

  it('leaves prompts out of registered-model listings', async () => {
    const all = await client.searchRegisteredModels()
    expect(all.map(model => model.name)).toContain(models.iris.name)
    if (server.seed.prompt !== null) expect(all.map(model => model.name)).not.toContain(server.seed.prompt)
  })

  it('sets and deletes version tags', async () => {
    const name = uniqueName('tags')
    const [version] = await createModelWithVersions(client, server, name, 1)
    await client.setModelVersionTag(name, version, 'promotion.decision', 'passed')
    expect((await client.getModelVersion(name, version)).tags).toContainEqual({
      key: 'promotion.decision',
      value: 'passed'
    })
    await client.deleteModelVersionTag(name, version, 'promotion.decision')
    expect((await client.getModelVersion(name, version)).tags).toEqual([])
  })
})
