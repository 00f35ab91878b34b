import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http'
import type { AddressInfo } from 'node:net'
import { errorBody, HttpError, type Json, type Reply } from './http.js'
import { findOperation, validatorFor, type OperationValidator } from './openapi.js'
import type { Resources } from './resources.js'
import { handlers } from './routes/index.js'
import type { User, World } from './state.js'

export interface RequestRecord {
  method: string
  path: string
  status: number
  login?: string
}

export interface Violation {
  method: string
  path: string
  status?: number
  where: 'request' | 'response' | 'route'
  errors: string
}

export interface Recorder {
  requests: RequestRecord[]
  violations: Violation[]
}

function readBody(request: IncomingMessage): Promise<string> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = []
    request.on('data', (chunk: Buffer) => chunks.push(chunk))
    request.on('end', () => resolve(Buffer.concat(chunks).toString('utf8')))
    request.on('error', reject)
  })
}

function tokenOf(request: IncomingMessage): string | undefined {
  return /^(?:token|bearer)\s+(\S+)$/i.exec(request.headers.authorization ?? '')?.[1]
}

/** Where the description documents 404 but not 403 for a refusal, GitHub hides the resource instead. */
function documentedError(error: HttpError, validator: OperationValidator): Reply {
  if (error.status === 403 && !validator.documents(403) && validator.documents(404)) {
    return { status: 404, body: errorBody('Not Found') }
  }
  return { status: error.status, body: error.body }
}

export class StandInServer {
  private readonly server: Server

  constructor(
    private readonly world: World,
    private readonly resources: () => Resources,
    private readonly recorder: Recorder
  ) {
    this.server = createServer((request, response) => {
      this.handle(request, response).catch((error: unknown) => {
        const url = new URL(request.url ?? '/', 'http://127.0.0.1')
        this.violation(request.method ?? 'GET', url, 'route', [`the handler failed: ${String(error)}`], 500)
        this.send(response, { status: 500, body: errorBody(String(error)) })
      })
    })
  }

  listen(): Promise<number> {
    return new Promise((resolve, reject) => {
      this.server.once('error', reject)
      this.server.listen(0, '127.0.0.1', () => resolve((this.server.address() as AddressInfo).port))
    })
  }

  close(): Promise<void> {
    this.server.closeAllConnections()
    return new Promise((resolve, reject) => this.server.close(error => (error ? reject(error) : resolve())))
  }

  private async handle(request: IncomingMessage, response: ServerResponse): Promise<void> {
    const method = request.method ?? 'GET'
    const url = new URL(request.url ?? '/', `http://${request.headers.host ?? '127.0.0.1'}`)
    const rawBody = await readBody(request)
    const interleave = this.world.interleave
    if (interleave?.matches(method, url.pathname)) {
      this.world.interleave = undefined
      await interleave.act()
    }
    const user = this.authenticate(request)
    const reply = this.reply(method, url, rawBody, user)
    this.recorder.requests.push({
      method,
      path: url.pathname + url.search,
      status: reply.status,
      login: user?.login
    })
    this.send(response, reply)
  }

  private authenticate(request: IncomingMessage): User | undefined {
    const token = tokenOf(request)
    return token === undefined ? undefined : this.world.userByToken(token)
  }

  private violation(method: string, url: URL, where: Violation['where'], errors: string[], status?: number) {
    this.recorder.violations.push({
      method,
      path: url.pathname + url.search,
      status,
      where,
      errors: errors.join('\n')
    })
  }

  private reply(method: string, url: URL, rawBody: string, user: User | undefined): Reply {
    const match = findOperation(method, url.pathname)
    if (match === undefined) {
      this.violation(method, url, 'route', [
        `no operation in GitHub's OpenAPI description matches ${method} ${url.pathname}`
      ])
      return { status: 404, body: errorBody('Not Found') }
    }
    const { operationId } = match.operation
    if (user === undefined) return { status: 401, body: errorBody('Bad credentials') }
    const limited = this.world.rateLimited
    if (limited.remaining > 0) {
      limited.remaining -= 1
      return limited.kind === 'secondary'
        ? {
            status: 403,
            headers: { 'retry-after': '1' },
            body: errorBody(
              'You have exceeded a secondary rate limit. Please wait a few minutes before you try again.'
            )
          }
        : {
            status: 403,
            headers: {
              'x-ratelimit-limit': '5000',
              'x-ratelimit-remaining': '0',
              'x-ratelimit-reset': String(Math.ceil(Date.now() / 1000) + 1)
            },
            body: errorBody(`API rate limit exceeded for user ID ${user.id}.`)
          }
    }

    let body: unknown
    try {
      body = rawBody.trim() === '' ? undefined : JSON.parse(rawBody)
    } catch {
      this.violation(method, url, 'request', ['body is not JSON'])
      return { status: 400, body: errorBody('Problems parsing JSON') }
    }
    const validator = validatorFor(match.operation)
    const validated = validator.validateRequest(match.pathParams, url.searchParams, body)
    if (validated.errors.length > 0) {
      this.violation(method, url, 'request', [`${operationId}:`, ...validated.errors])
      return {
        status: 422,
        body: errorBody('Invalid request.', {
          errors: validated.errors.map(message => ({ code: 'invalid', message }))
        })
      }
    }

    const handler = handlers[operationId]
    if (handler === undefined) {
      this.violation(method, url, 'route', [`the stand-in does not implement ${operationId}`])
      return { status: 404, body: errorBody('Not Found') }
    }
    let reply: Reply
    try {
      reply = handler({
        world: this.world,
        resources: this.resources(),
        user,
        pathParams: match.pathParams,
        query: validated.query,
        body: (body ?? {}) as Json,
        url
      })
    } catch (error) {
      if (!(error instanceof HttpError)) throw error
      reply = documentedError(error, validator)
    }
    const responseErrors = validator.validateResponse(reply.status, reply.body)
    if (responseErrors.length > 0) {
      this.violation(method, url, 'response', [`${operationId}:`, ...responseErrors], reply.status)
    }
    return reply
  }

  private send(response: ServerResponse, reply: Reply): void {
    const headers: Record<string, string> = {
      'x-github-media-type': 'github.v3; format=json',
      ...reply.headers
    }
    if (reply.body === undefined) {
      response.writeHead(reply.status, headers).end()
      return
    }
    response
      .writeHead(reply.status, { ...headers, 'content-type': 'application/json; charset=utf-8' })
      .end(JSON.stringify(reply.body))
  }
}
