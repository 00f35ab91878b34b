// Types of mlflow-server.mjs, for the TypeScript scripts (the demo) that start servers through it.
export interface MlflowServer {
  label: string
  url: string
  version: string
  venv: string
  backendStoreUri: string
  workDir: string
  logFile: string
  pid: number
  stop(): Promise<void>
}

export function pinnedVersions(): { mlflow3: string; mlflow2: string }
export function ensureVenv(version: string): Promise<string>
export function freePort(): Promise<number>
export function startMlflowServer(options: {
  version: string
  workDir: string
  basicAuth?: { adminUsername: string; adminPassword: string }
  workspaces?: boolean
  webhooks?: boolean
  backendStoreUri?: string
  workers?: number
  label?: string
  port?: number
  artifactsDestination?: string
}): Promise<MlflowServer>
export function seedMlflowServer(
  server: MlflowServer & { clientEnv?: Record<string, string> }
): Promise<import('../../__tests__/harness/servers.js').SeedManifest>
/** Stops every child (venv build, seeding) still running: for a harness interrupted part-way. */
export function stopLiveChildren(): void
