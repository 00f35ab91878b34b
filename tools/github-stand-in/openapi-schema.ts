/** Keywords whose values are data, not subschemas: never rewrite inside them. */
const DATA_KEYWORDS = new Set(['example', 'examples', 'enum', 'default', 'const'])

/**
 * Turns an OpenAPI 3.0 schema into one plain JSON Schema validators understand:
 * `nullable: true` becomes a `null` type (ajv's own `nullable` support rejects it next to `allOf`/`$ref`
 * without `type`, which GitHub's description does often), and local `#/components/...` references are
 * pointed at the components document registered under `refBase` (empty = leave them local).
 * `oneOf` becomes `anyOf`: GitHub's description often offers alternatives that overlap (an error body matches
 * both `basic-error` and `repository-rule-violation-error`), so "exactly one" would reject valid answers.
 */
export function toJsonSchema(node: unknown, refBase = ''): unknown {
  if (Array.isArray(node)) return node.map(item => toJsonSchema(item, refBase))
  if (node === null || typeof node !== 'object') return node
  const out: Record<string, unknown> = {}
  for (const [key, value] of Object.entries(node)) {
    if (key === '$ref' && typeof value === 'string' && value.startsWith('#/')) out[key] = refBase + value
    else if (key === 'oneOf') out.anyOf = toJsonSchema(value, refBase)
    else out[key] = DATA_KEYWORDS.has(key) ? value : toJsonSchema(value, refBase)
  }
  if (out.nullable !== true) return out
  delete out.nullable
  if (typeof out.type === 'string') {
    out.type = [out.type, 'null']
    if (Array.isArray(out.enum) && !out.enum.includes(null)) out.enum = [...out.enum, null]
    return out
  }
  return { anyOf: [out, { type: 'null' }] }
}
