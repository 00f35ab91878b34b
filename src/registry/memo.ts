import type { MlflowClient } from './client.js'

/** The client's reads: what a memo may answer twice. Writes and everything else go straight to the client. */
const READS = new Set<string>([
  'getRegisteredModel',
  'searchRegisteredModels',
  'getModelVersion',
  'versionsOf',
  'searchModelVersions',
  'latestModelVersion',
  'getRun',
  'searchRuns',
  'getMetricHistory',
  'getLoggedModel',
  'getModelVersionArtifact'
])

/**
 * A view of the client that sends each distinct read once and answers repeats from the first answer. Only for a
 * phase that writes nothing (evaluate's planning, where every polled version of a model needs the same registered
 * model, champion, runs and MLmodel files): a memo kept across a write would answer with the state before it.
 * Each caller gets its own copy of the answer, so one caller's sorting or editing cannot reach another.
 */
export function memoizedReads(client: MlflowClient): MlflowClient {
  const answers = new Map<string, Promise<unknown>>()
  return new Proxy(client, {
    get(target, property, receiver) {
      const value: unknown = Reflect.get(target, property, receiver)
      if (typeof property !== 'string' || !READS.has(property) || typeof value !== 'function') {
        return typeof value === 'function' ? value.bind(target) : value
      }
      return (...args: unknown[]) => {
        const key = `${property}:${JSON.stringify(args)}`
        let answer = answers.get(key)
        if (answer === undefined) {
          answer = (value as (...a: unknown[]) => Promise<unknown>).apply(target, args)
          answers.set(key, answer)
        }
        return answer.then(result => structuredClone(result))
      }
    }
  })
}
