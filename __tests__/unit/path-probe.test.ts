import { describe, expect, it } from '@jest/globals'
import { candidateRoots, describeProbes, mlflowVersion } from '../../src/registry/path-probe.js'

describe('telling a wrong tracking-URI path apart', () => {
  it('asks the URI itself, its origin and the origin under /mlflow, each once', () => {
    expect(candidateRoots('https://tools.example.com/ml/')).toEqual([
      'https://tools.example.com/ml',
      'https://tools.example.com',
      'https://tools.example.com/mlflow'
    ])
    expect(candidateRoots('https://tools.example.com/mlflow')).toEqual([
      'https://tools.example.com/mlflow',
      'https://tools.example.com'
    ])
  })

  it('takes only a version number answered with 200 for MLflow', () => {
    expect(mlflowVersion(200, '3.17.2\n')).toBe('3.17.2')
    expect(mlflowVersion(200, '3.18.0.dev0')).toBe('3.18.0.dev0')
    expect(mlflowVersion(200, '<html>3.17.2</html>')).toBeUndefined()
    expect(mlflowVersion(404, '3.17.2')).toBeUndefined()
  })

  it('names the root MLflow answers at, or says none does, listing what was tried', () => {
    expect(
      describeProbes('http://h/ml', [
        { root: 'http://h/ml', status: 'HTTP 404' },
        { root: 'http://h', status: 'HTTP 200', version: '3.17.2' }
      ])
    ).toBe(
      "The tracking URI's path /ml looks wrong: MLflow answers at http://h; use that as the tracking URI. Tried: http://h/ml/version → HTTP 404; http://h/version → MLflow 3.17.2."
    )
    expect(
      describeProbes('http://h', [{ root: 'http://h', status: 'HTTP 200', version: '2.22.5' }])
    ).toContain('MLflow answers at http://h but not this API')
    expect(describeProbes('http://h', [{ root: 'http://h', status: 'network error ECONNREFUSED' }])).toBe(
      "No MLflow server answers at the tracking URI or near it: give the URL MLflow's UI is served at (with its path prefix, if a proxy adds one). Tried: http://h/version → network error ECONNREFUSED."
    )
  })
})
