import { readFileSync } from 'node:fs'
import { createRequire } from 'node:module'
import { Ajv, type ErrorObject, type ValidateFunction } from 'ajv'
import addFormatsPlugin from 'ajv-formats'
import { toJsonSchema } from './openapi-schema.js'

type Schema = Record<string, unknown>
interface Reference {
  $ref: string
}
interface Parameter {
  name: string
  in: 'path' | 'query' | 'header' | 'cookie'
  required?: boolean
  schema?: Schema
}
interface MediaType {
  schema?: Schema
}
interface Response {
  content?: Record<string, MediaType>
}
export interface Operation {
  operationId: string
  parameters?: (Parameter | Reference)[]
  requestBody?: { required?: boolean; content: Record<string, MediaType> }
  responses: Record<string, Response | Reference>
}
interface Spec {
  paths: Record<string, Record<string, Operation>>
  components: {
    schemas: Record<string, Schema>
    examples: Record<string, { value: unknown }>
    parameters: Record<string, Parameter>
    responses: Record<string, Response>
  }
}

let loadedSpec: Spec | undefined

/** GitHub's published REST description (api.github.com), read once per process. */
export function githubSpec(): Spec {
  if (loadedSpec === undefined) {
    const file = createRequire(import.meta.url).resolve('@octokit/openapi/generated/api.github.com.json')
    loadedSpec = JSON.parse(readFileSync(file, 'utf8')) as Spec
  }
  return loadedSpec
}

/** A fresh copy of one of the description's named examples. */
export function specExample<T = Record<string, unknown>>(name: string): T {
  const found = githubSpec().components.examples[name]
  if (found === undefined) throw new Error(`GitHub's OpenAPI description has no example named ${name}`)
  return structuredClone(found.value) as T
}

// ---------------------------------------------------------------------------------------------------
// Finding the operation for a request

interface Route {
  method: string
  template: string
  segments: string[]
  operation: Operation
}

export interface MatchedOperation {
  template: string
  operation: Operation
  pathParams: Record<string, string>
}

/** Parameters that may hold slashes (`heads/main`, `dir/file.json`): the last one swallows the rest. */
const SLASHED_PARAMETERS = new Set(['path', 'ref'])

let routes: Route[] | undefined

function allRoutes(): Route[] {
  if (routes === undefined) {
    routes = []
    for (const [template, methods] of Object.entries(githubSpec().paths)) {
      for (const [method, operation] of Object.entries(methods)) {
        if (typeof operation !== 'object' || operation.operationId === undefined) continue
        routes.push({ method: method.toUpperCase(), template, segments: template.split('/'), operation })
      }
    }
  }
  return routes
}

interface Candidate {
  route: Route
  pathParams: Record<string, string>
  swallowed: boolean
}

function matchRoute(route: Route, segments: string[]): Candidate | undefined {
  const pathParams: Record<string, string> = {}
  const last = route.segments.length - 1
  for (let i = 0; i <= last; i++) {
    const part = route.segments[i]
    const parameter = /^\{(.+)\}$/.exec(part)?.[1]
    if (parameter === undefined) {
      if (segments[i] !== part) return undefined
      continue
    }
    if (i === last && segments.length > route.segments.length && SLASHED_PARAMETERS.has(parameter)) {
      pathParams[parameter] = segments.slice(i).join('/')
      return { route, pathParams, swallowed: true }
    }
    if (segments[i] === undefined || segments[i] === '') return undefined
    pathParams[parameter] = segments[i]
  }
  return segments.length === route.segments.length ? { route, pathParams, swallowed: false } : undefined
}

/** Exact matches beat ones where a trailing parameter swallowed slashes; then literal segments win, left first. */
function isBetter(a: Candidate, b: Candidate): boolean {
  if (a.swallowed !== b.swallowed) return !a.swallowed
  for (let i = 0; i < Math.min(a.route.segments.length, b.route.segments.length); i++) {
    const aLiteral = !a.route.segments[i].startsWith('{')
    const bLiteral = !b.route.segments[i].startsWith('{')
    if (aLiteral !== bLiteral) return aLiteral
  }
  return false
}

export function findOperation(method: string, pathname: string): MatchedOperation | undefined {
  const segments = pathname.split('/').map(segment => decodeURIComponent(segment))
  let best: Candidate | undefined
  for (const route of allRoutes()) {
    if (route.method !== method.toUpperCase()) continue
    const candidate = matchRoute(route, segments)
    if (candidate !== undefined && (best === undefined || isBetter(candidate, best))) best = candidate
  }
  if (best === undefined) return undefined
  return { template: best.route.template, operation: best.route.operation, pathParams: best.pathParams }
}

// ---------------------------------------------------------------------------------------------------
// Validating requests and responses

let sharedAjv: Ajv | undefined

function ajv(): Ajv {
  if (sharedAjv === undefined) {
    sharedAjv = new Ajv({ strict: false, allErrors: true })
    addFormatsPlugin.default(sharedAjv)
    // OpenAPI's numeric formats and GitHub's own `repo.nwo` (owner/name), which JSON Schema formats lack.
    for (const format of ['int32', 'int64', 'double', 'binary', 'timestamp'])
      sharedAjv.addFormat(format, true)
    sharedAjv.addFormat('repo.nwo', /^[^/]+\/[^/]+$/)
    sharedAjv.addSchema({ $id: 'gh', components: { schemas: toJsonSchema(githubSpec().components.schemas) } })
  }
  return sharedAjv
}

function resolve<T>(value: T | Reference): T {
  if (typeof value !== 'object' || value === null || !('$ref' in value)) return value
  const [, , kind, name] = value.$ref.split('/')
  const components = githubSpec().components as unknown as Record<string, Record<string, T>>
  const target = components[kind]?.[name]
  if (target === undefined) throw new Error(`Unresolvable reference ${value.$ref}`)
  return resolve(target)
}

function compile(schema: unknown): ValidateFunction {
  return ajv().compile(toJsonSchema(schema, 'gh') as Schema)
}

function describe(errors: ErrorObject[] | null | undefined, where: string): string[] {
  return (errors ?? []).slice(0, 25).map(error => {
    const detail = Object.keys(error.params).length > 0 ? ` ${JSON.stringify(error.params)}` : ''
    return `${where}${error.instancePath} ${error.message ?? 'is invalid'}${detail}`
  })
}

export interface ValidatedRequest {
  errors: string[]
  /** The query string with values coerced to the types the parameters declare. */
  query: Record<string, unknown>
}

/**
 * Statuses GitHub answers on any operation although the description often leaves them out: bad credentials,
 * refused access and hidden resources. Where an operation does not document them, their body must still be a
 * `basic-error`.
 */
const UNIVERSAL_STATUSES = new Set([401, 403, 404])

export class OperationValidator {
  private readonly parameters: Parameter[]
  private pathValidator?: ValidateFunction
  private queryValidator?: ValidateFunction
  private bodyValidator?: ValidateFunction | null
  private readonly responseValidators = new Map<number, ValidateFunction | null>()

  constructor(readonly operation: Operation) {
    this.parameters = (operation.parameters ?? []).map(parameter => resolve(parameter))
  }

  documents(status: number): boolean {
    return String(status) in this.operation.responses
  }

  validateRequest(
    pathParams: Record<string, string>,
    search: URLSearchParams,
    body: unknown
  ): ValidatedRequest {
    const query = this.coerce('query', search)
    const path = this.coerce('path', Object.entries(pathParams))
    this.pathValidator ??= compile(this.parametersSchema('path'))
    this.queryValidator ??= compile(this.parametersSchema('query'))
    const errors = [
      ...(this.pathValidator(path) ? [] : describe(this.pathValidator.errors, 'path')),
      ...(this.queryValidator(query) ? [] : describe(this.queryValidator.errors, 'query')),
      ...this.validateBody(body)
    ]
    return { errors, query }
  }

  validateResponse(status: number, body: unknown): string[] {
    if (!this.documents(status)) {
      if (UNIVERSAL_STATUSES.has(status)) return validateComponent('basic-error', body)
      return [`status ${status} is not documented for ${this.operation.operationId}`]
    }
    if (!this.responseValidators.has(status)) {
      const response = resolve(this.operation.responses[String(status)])
      const schema = response.content?.['application/json']?.schema
      this.responseValidators.set(status, schema === undefined ? null : compile(schema))
    }
    const validator = this.responseValidators.get(status)
    if (validator === null || validator === undefined || validator(body)) return []
    return describe(validator.errors, 'response')
  }

  private validateBody(body: unknown): string[] {
    const requestBody = this.operation.requestBody
    if (requestBody === undefined) return []
    if (body === undefined) return requestBody.required === true ? ['body is required'] : []
    if (this.bodyValidator === undefined) {
      const schema = requestBody.content['application/json']?.schema
      this.bodyValidator = schema === undefined ? null : compile(schema)
    }
    if (this.bodyValidator === null || this.bodyValidator(body)) return []
    return describe(this.bodyValidator.errors, 'body')
  }

  private parametersSchema(location: 'path' | 'query'): Schema {
    const chosen = this.parameters.filter(parameter => parameter.in === location)
    return {
      type: 'object',
      properties: Object.fromEntries(chosen.map(parameter => [parameter.name, parameter.schema ?? {}])),
      required: chosen.filter(parameter => parameter.required === true).map(parameter => parameter.name)
    }
  }

  /** Parameters arrive as strings; give them the types their schemas declare before validating. */
  private coerce(location: 'path' | 'query', entries: Iterable<[string, string]>): Record<string, unknown> {
    const values: Record<string, unknown> = {}
    for (const [name, raw] of entries) {
      const declared = this.parameters.find(parameter => parameter.in === location && parameter.name === name)
      values[name] = coerce(raw, declared?.schema)
    }
    return values
  }
}

function coerce(raw: string, schema: Schema | undefined): unknown {
  const type = schema?.type
  if ((type === 'integer' || type === 'number') && raw.trim() !== '' && !Number.isNaN(Number(raw))) {
    return Number(raw)
  }
  if (type === 'boolean' && (raw === 'true' || raw === 'false')) return raw === 'true'
  if (type === 'array') return raw.split(',')
  return raw
}

const validators = new WeakMap<Operation, OperationValidator>()

export function validatorFor(operation: Operation): OperationValidator {
  let validator = validators.get(operation)
  if (validator === undefined) {
    validator = new OperationValidator(operation)
    validators.set(operation, validator)
  }
  return validator
}

// ---------------------------------------------------------------------------------------------------
// Validating objects against a named component schema (used to check the stand-in's own builders)

const componentValidators = new Map<string, ValidateFunction>()

export function validateComponent(name: string, value: unknown): string[] {
  let validator = componentValidators.get(name)
  if (validator === undefined) {
    validator = compile({ $ref: `#/components/schemas/${name}` })
    componentValidators.set(name, validator)
  }
  return validator(value) ? [] : describe(validator.errors, name)
}
