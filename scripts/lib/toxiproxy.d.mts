// Types of toxiproxy.mjs.
export const TOXIPROXY_VERSION: string
export function ensureToxiproxy(): Promise<string>
export function startToxiproxy(options: {
  workDir: string
}): Promise<{ url: string; version: string; logFile: string; stop(): Promise<void> }>
