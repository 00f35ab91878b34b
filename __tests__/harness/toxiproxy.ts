import { toxiproxyServer } from './servers.js'

export type ToxicType = 'latency' | 'reset_peer' | 'timeout' | 'slicer' | 'limit_data' | 'bandwidth'

/** One Toxiproxy proxy in front of an upstream: its listen address, toxics on and off, the whole link up or down. */
export class ToxicLink {
  constructor(
    private readonly api: string,
    readonly name: string,
    /** http://127.0.0.1:port — where clients connect instead of the upstream. */
    readonly url: string
  ) {}

  /** Adds a toxic to the server → client stream (downstream) or the other way (upstream). */
  async addToxic(
    type: ToxicType,
    attributes: Record<string, number>,
    options: { stream?: 'upstream' | 'downstream'; toxicity?: number } = {}
  ): Promise<string> {
    const name = `${type}-${Date.now()}-${Math.random().toString(36).slice(2, 6)}`
    await call(`${this.api}/proxies/${this.name}/toxics`, 'POST', {
      name,
      type,
      stream: options.stream ?? 'downstream',
      toxicity: options.toxicity ?? 1,
      attributes
    })
    return name
  }

  async removeToxic(name: string): Promise<void> {
    await call(`${this.api}/proxies/${this.name}/toxics/${name}`, 'DELETE')
  }

  async removeAllToxics(): Promise<void> {
    const toxics = (await call(`${this.api}/proxies/${this.name}/toxics`, 'GET')) as { name: string }[]
    await Promise.all(toxics.map(toxic => this.removeToxic(toxic.name)))
  }

  /** Disabled: every connection is closed and new ones are refused, as when the server is down. */
  async setEnabled(enabled: boolean): Promise<void> {
    await call(`${this.api}/proxies/${this.name}`, 'POST', { enabled })
  }

  async delete(): Promise<void> {
    await call(`${this.api}/proxies/${this.name}`, 'DELETE')
  }
}

/** A new Toxiproxy proxy (on a free loopback port) in front of `upstream` (an http://host:port URL). */
export async function toxicLink(upstream: string): Promise<ToxicLink> {
  const api = toxiproxyServer().url
  const name = `link-${process.pid}-${Date.now().toString(36)}-${Math.random().toString(36).slice(2, 6)}`
  const created = (await call(`${api}/proxies`, 'POST', {
    name,
    listen: '127.0.0.1:0',
    upstream: new URL(upstream).host,
    enabled: true
  })) as { listen: string }
  return new ToxicLink(api, name, `http://${created.listen}`)
}

async function call(url: string, method: string, body?: unknown): Promise<unknown> {
  const response = await fetch(url, {
    method,
    headers: body === undefined ? {} : { 'content-type': 'application/json' },
    body: body === undefined ? undefined : JSON.stringify(body)
  })
  const text = await response.text()
  if (!response.ok) throw new Error(`toxiproxy ${method} ${url}: ${response.status} ${text}`)
  return text === '' ? undefined : JSON.parse(text)
}
