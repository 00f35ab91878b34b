import type { ChildProcess } from 'node:child_process'
import type { IncomingMessage } from 'node:http'
import { TestProxy } from './proxy.js'

/** A request that changes the registry: anything but a GET or one of MLflow's POST searches. */
export function isRegistryWrite(req: Pick<IncomingMessage, 'method' | 'url'>): boolean {
  const path = new URL(req.url ?? '/', 'http://x').pathname
  return req.method !== 'GET' && !path.endsWith('/search')
}

/**
 * A proxy in front of a real MLflow server that counts the registry writes going through it, reads the production
 * set (with `observe`, straight from the server) before each write is let through, and can kill the client process
 * when a given write arrives — the runner dying after exactly `cutAfter` writes reached the registry.
 */
export class WriteWatch {
  readonly proxy: TestProxy
  writes = 0
  /** Production sets seen while the command ran: before each write, and after a cut. */
  readonly observed: string[][] = []
  cutAfter?: number
  child?: ChildProcess
  cut = false

  /** Reads the production set straight from the server (not through this proxy). */
  observe: () => Promise<string[]> = async () => []

  constructor(target: string) {
    this.proxy = new TestProxy(target)
    this.proxy.interceptor = async req => {
      if (this.cut) return 'drop'
      if (!isRegistryWrite(req)) return undefined
      this.writes += 1
      if (this.cutAfter !== undefined && this.writes > this.cutAfter) {
        this.cut = true
        this.child?.kill('SIGKILL')
        await this.proxy.settled()
        this.observed.push(await this.observe())
        return 'drop'
      }
      this.observed.push(await this.observe())
      return undefined
    }
  }

  start(): Promise<string> {
    return this.proxy.start()
  }

  stop(): Promise<void> {
    return this.proxy.stop()
  }

  /** Counting starts again; `cutAfter` undefined lets every write through. */
  reset(cutAfter?: number): void {
    this.writes = 0
    this.observed.length = 0
    this.cutAfter = cutAfter
    this.cut = false
    this.child = undefined
  }
}
