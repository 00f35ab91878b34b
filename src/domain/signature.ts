import { parse } from 'yaml'

/** One input or output of a model signature: a named column or a tensor. */
export interface SignatureField {
  name?: string
  type: string
  required: boolean
  /** Tensor dtype and shape, when type is `tensor`. */
  tensor?: { dtype: string; shape: number[] }
}

export interface ModelSignature {
  inputs: SignatureField[]
  outputs: SignatureField[]
  params: { name: string; type: string; default?: unknown }[]
}

export class SignatureParseError extends Error {
  constructor(message: string) {
    super(message)
    this.name = 'SignatureParseError'
  }
}

/**
 * Reads the signature from an `MLmodel` file. Returns undefined when the model was logged without one;
 * throws SignatureParseError when the file or the signature is malformed.
 */
export function parseSignature(mlmodelYaml: string): ModelSignature | undefined {
  let doc: unknown
  try {
    doc = parse(mlmodelYaml, { maxAliasCount: 100 })
  } catch (error) {
    throw new SignatureParseError(`MLmodel is not valid YAML: ${(error as Error).message.split('\n')[0]}`)
  }
  if (doc === null || typeof doc !== 'object' || Array.isArray(doc)) {
    throw new SignatureParseError('MLmodel is not a YAML mapping')
  }
  const signature = (doc as { signature?: unknown }).signature
  if (signature === undefined || signature === null) return undefined
  if (typeof signature !== 'object') throw new SignatureParseError('MLmodel `signature` is not a mapping')
  const { inputs, outputs, params } = signature as Record<string, unknown>
  return {
    inputs: parseFields(inputs, 'inputs'),
    outputs: parseFields(outputs, 'outputs'),
    params: parseParams(params)
  }
}

function parseJsonList(raw: unknown, what: string): unknown[] {
  if (raw === undefined || raw === null || raw === '') return []
  let value: unknown = raw
  if (typeof raw === 'string') {
    try {
      value = JSON.parse(raw)
    } catch {
      throw new SignatureParseError(`MLmodel signature ${what} is not valid JSON`)
    }
  }
  if (!Array.isArray(value)) throw new SignatureParseError(`MLmodel signature ${what} is not a list`)
  return value
}

function parseFields(raw: unknown, what: string): SignatureField[] {
  return parseJsonList(raw, what).map((item, index) => {
    if (item === null || typeof item !== 'object') {
      throw new SignatureParseError(`MLmodel signature ${what}[${index}] is not an object`)
    }
    const spec = item as Record<string, unknown>
    const type = typeof spec.type === 'string' ? spec.type : 'unknown'
    const field: SignatureField = { type, required: spec.required !== false }
    if (typeof spec.name === 'string') field.name = spec.name
    const tensor = spec['tensor-spec'] as { dtype?: unknown; shape?: unknown } | undefined
    if (type === 'tensor' && tensor !== undefined) {
      field.tensor = {
        dtype: String(tensor.dtype ?? 'unknown'),
        shape: Array.isArray(tensor.shape) ? tensor.shape.map(Number) : []
      }
    }
    return field
  })
}

function parseParams(raw: unknown): ModelSignature['params'] {
  return parseJsonList(raw, 'params').map((item, index) => {
    const spec = (item ?? {}) as Record<string, unknown>
    if (typeof spec.name !== 'string') {
      throw new SignatureParseError(`MLmodel signature params[${index}] has no name`)
    }
    return { name: spec.name, type: String(spec.type ?? 'unknown'), default: spec.default }
  })
}

/** A short human label of a field's type: `double`, `tensor<float64>[-1, 4]`. */
export function describeFieldType(field: SignatureField): string {
  if (field.tensor) return `tensor<${field.tensor.dtype}>[${field.tensor.shape.join(', ')}]`
  return field.type
}

export type InputChangeKind = 'unchanged' | 'added' | 'removed' | 'retyped'

/** One model input compared between two signatures (unnamed tensor inputs are matched by position). */
export interface InputChange {
  name: string
  before?: string
  after?: string
  /** Whether callers must provide it in the newer signature. */
  required: boolean
  change: InputChangeKind
}

export function diffSignatureInputs(before: ModelSignature, after: ModelSignature): InputChange[] {
  const byName = (fields: SignatureField[]) =>
    new Map(fields.map((field, index) => [field.name ?? `#${index}`, field]))
  const old = byName(before.inputs)
  const next = byName(after.inputs)
  const changes: InputChange[] = []
  for (const [name, field] of old) {
    const now = next.get(name)
    const was = describeFieldType(field)
    if (now === undefined) changes.push({ name, before: was, required: field.required, change: 'removed' })
    else {
      const is = describeFieldType(now)
      changes.push({
        name,
        before: was,
        after: is,
        required: now.required,
        change: was === is ? 'unchanged' : 'retyped'
      })
    }
  }
  for (const [name, field] of next) {
    if (!old.has(name)) {
      changes.push({ name, after: describeFieldType(field), required: field.required, change: 'added' })
    }
  }
  return changes
}
