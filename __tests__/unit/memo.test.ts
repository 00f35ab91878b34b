import { describe, expect, it } from '@jest/globals'
import type { MlflowClient } from '../../src/registry/client.js'
import { memoizedReads } from '../../src/registry/memo.js'

/** A client-shaped object that counts what reaches it (the memo only forwards calls). */
function countingClient() {
  const calls: string[] = []
  const client = {
    getRegisteredModel: async (name: string) => {
      calls.push(`get ${name}`)
      return { name, aliases: [{ alias: 'champion', version: '1' }] }
    },
    getRun: async (id: string) => {
      calls.push(`run ${id}`)
      if (id === 'gone') throw new Error('RESOURCE_DOES_NOT_EXIST')
      return { info: { run_id: id } }
    },
    setModelVersionTag: async (name: string, version: string, key: string) => {
      calls.push(`tag ${name} ${version} ${key}`)
    },
    modelVersionUrl: (name: string, version: string) => `http://mlflow/#/models/${name}/versions/${version}`
  }
  return { calls, client: client as unknown as MlflowClient }
}

describe('memoizedReads', () => {
  it('sends each distinct read once, also when the repeats are in flight together', async () => {
    const { calls, client } = countingClient()
    const memo = memoizedReads(client)
    await Promise.all([memo.getRegisteredModel('iris'), memo.getRegisteredModel('iris')])
    await memo.getRegisteredModel('iris')
    await memo.getRegisteredModel('fraud')
    expect(calls).toEqual(['get iris', 'get fraud'])
  })

  it('gives each caller its own copy', async () => {
    const { client } = countingClient()
    const memo = memoizedReads(client)
    const first = await memo.getRegisteredModel('iris')
    first.aliases.length = 0
    expect((await memo.getRegisteredModel('iris')).aliases).toEqual([{ alias: 'champion', version: '1' }])
  })

  it('passes writes and other methods straight through, every time', async () => {
    const { calls, client } = countingClient()
    const memo = memoizedReads(client)
    await memo.setModelVersionTag('iris', '2', 'k', 'v')
    await memo.setModelVersionTag('iris', '2', 'k', 'v')
    expect(memo.modelVersionUrl('iris', '2')).toBe('http://mlflow/#/models/iris/versions/2')
    expect(calls).toEqual(['tag iris 2 k', 'tag iris 2 k'])
  })

  it('answers a repeated failing read with the same failure', async () => {
    const { calls, client } = countingClient()
    const memo = memoizedReads(client)
    await expect(memo.getRun('gone')).rejects.toThrow('RESOURCE_DOES_NOT_EXIST')
    await expect(memo.getRun('gone')).rejects.toThrow('RESOURCE_DOES_NOT_EXIST')
    expect(calls).toEqual(['run gone'])
  })
})
