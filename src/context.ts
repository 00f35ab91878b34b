import type { Inputs } from './inputs.js'
import type { Logger } from './logger.js'
import { resolveRegistryConfig } from './registry/config.js'
import { MlflowClient } from './registry/client.js'
import { MlflowHttp } from './registry/http.js'

export type SecretMasker = (secret: string) => void

export function maskSecrets(secrets: Iterable<string>, mask: SecretMasker): void {
  for (const secret of secrets) {
    // Multi-line secrets are masked line by line, as the runner matches masks per line.
    for (const line of secret.split(/\r?\n/)) if (line.trim() !== '') mask(line)
  }
}

export function createRegistry(
  inputs: Inputs,
  env: NodeJS.ProcessEnv,
  log: Logger,
  mask: SecretMasker
): MlflowClient {
  const { config, secrets } = resolveRegistryConfig(inputs, env)
  maskSecrets(secrets, mask)
  const http = new MlflowHttp(config, secrets, {
    onRetry: ({ endpoint, attempt, delayMs, reason }) =>
      log.info(`MLflow ${endpoint}: ${reason}; retry ${attempt} in ${delayMs} ms`)
  })
  return new MlflowClient(http)
}
