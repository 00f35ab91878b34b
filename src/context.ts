import * as core from '@actions/core'
import type { Inputs } from './inputs.js'
import { resolveRegistryConfig } from './registry/config.js'
import { MlflowClient } from './registry/client.js'
import { MlflowHttp } from './registry/http.js'

export function maskSecrets(secrets: Iterable<string>): void {
  for (const secret of secrets) {
    // Multi-line secrets are masked line by line, as the runner matches masks per line.
    for (const line of secret.split(/\r?\n/)) if (line.trim() !== '') core.setSecret(line)
  }
}

export function createRegistry(inputs: Inputs, env: NodeJS.ProcessEnv): MlflowClient {
  const { config, secrets } = resolveRegistryConfig(inputs, env)
  maskSecrets(secrets)
  const http = new MlflowHttp(config, secrets, {
    onRetry: ({ endpoint, attempt, delayMs, reason }) =>
      core.info(`MLflow ${endpoint}: ${reason}; retry ${attempt} in ${delayMs} ms`)
  })
  return new MlflowClient(http)
}
