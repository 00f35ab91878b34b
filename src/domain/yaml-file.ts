import { isMap, isScalar, isSeq, LineCounter, parseDocument, type Document, type Node } from 'yaml'
import type { z } from 'zod'
import { closestName } from './did-you-mean.js'
export interface FileProblem {
  file: string
  line: number
  column: number
  message: string
}

/** A repository file (policy or promotion record) that cannot be used; every problem names file, line and column. */
export class FileProblemsError extends Error {
  constructor(
    /** What the file is, in words: `policy`, `promotion record`. */
    readonly what: string,
    readonly problems: FileProblem[]
  ) {
    super(problems.map(p => `${p.file}:${p.line}:${p.column}: ${p.message}`).join('\n'))
    this.name = 'FileProblemsError'
  }
}

export interface YamlFileOptions<T> {
  schema: z.ZodType<T>
  what: string
  maxBytes: number
  /** For unions of objects told apart by a key (policy rules): the keys, in the union's order. */
  unionKinds?: readonly string[]
}

type Path = (string | number)[]

/** Parses YAML and validates it with a zod schema; throws FileProblemsError with positions for every problem. */
export function parseYamlFile<T>(text: string, file: string, options: YamlFileOptions<T>): T {
  const { what, maxBytes } = options
  const fail = (problems: FileProblem[]) => new FileProblemsError(what, problems)
  if (Buffer.byteLength(text, 'utf8') > maxBytes) {
    throw fail([{ file, line: 1, column: 1, message: `the ${what} is larger than ${maxBytes} bytes` }])
  }
  if (text.includes('\u0000')) {
    throw fail([
      {
        file,
        line: 1,
        column: 1,
        message: `the ${what} is not text (it holds NUL bytes); it must be UTF-8 YAML`
      }
    ])
  }
  const lineCounter = new LineCounter()
  const doc = parseDocument(text, { lineCounter, uniqueKeys: true, prettyErrors: false })
  const at = (offset: number, message: string): FileProblem => {
    const { line, col } = lineCounter.linePos(offset)
    return { file, line, column: col, message }
  }
  if (doc.errors.length > 0) {
    // The parser reports a stack overflow (deep nesting) at every level it unwinds: one problem says it all.
    const exhausted = doc.errors.find(error => error.code === 'RESOURCE_EXHAUSTION')
    if (exhausted !== undefined)
      throw fail([at(exhausted.pos[0], `the ${what} is nested too deeply to be read`)])
    throw fail(
      dedupe(doc.errors.map(error => at(error.pos[0], yamlMessage(error.code, error.message, what))))
    )
  }
  let value: unknown
  try {
    // Alias expansion is bounded so a "billion laughs" document cannot exhaust memory.
    value = doc.toJS({ maxAliasCount: 100 })
  } catch (error) {
    throw fail([at(0, `the ${what} could not be read: ${(error as Error).message}`)])
  }
  if (value === null || value === undefined) throw fail([at(0, `the ${what} is empty`)])
  // The keys valid where an unknown key was found, for "did you mean …?": the strict object that refused the key
  // is only at hand while zod reports it. Keyed by the issue's `keys` array, which the reported issue shares.
  const validKeys = new WeakMap<readonly string[], string[]>()
  const result = options.schema.safeParse(value, {
    error: issue => {
      if (issue.code === 'unrecognized_keys') validKeys.set(issue.keys, keysValidAt(issue.inst, issue.input))
      return undefined
    }
  })
  if (result.success) return result.data
  const problems = flattenIssues(result.error.issues, [], value, options.unionKinds ?? [], validKeys).map(
    ({ path, message, key }) => at(offsetOf(doc, path, key), `${describePath(path)}${message}`)
  )
  throw fail(dedupe(problems))
}

interface FlatIssue {
  path: Path
  message: string
  /** For an unknown key: point at the key itself. */
  key?: string
}

/** The keys a strict object schema declares, less those the object already has. */
function keysValidAt(schema: unknown, input: unknown): string[] {
  const shape = (schema as { _zod?: { def?: { shape?: unknown } } } | undefined)?._zod?.def?.shape
  if (shape === null || typeof shape !== 'object') return []
  const present = input !== null && typeof input === 'object' ? Object.keys(input) : []
  return Object.keys(shape).filter(key => !present.includes(key))
}

function flattenIssues(
  issues: readonly z.core.$ZodIssue[],
  prefix: Path,
  root: unknown,
  kinds: readonly string[],
  validKeys: WeakMap<readonly string[], string[]>
): FlatIssue[] {
  const flat: FlatIssue[] = []
  for (const issue of issues) {
    const path = [...prefix, ...(issue.path as Path)]
    if (issue.code === 'invalid_union') {
      const value = valueAt(root, path)
      const isRule = value !== null && typeof value === 'object' && !Array.isArray(value)
      const kindIndex = isRule ? kinds.findIndex(kind => kind in value) : -1
      if (!isRule) {
        // A union of plain values (e.g. a status or a list of statuses): the first option says what is wanted.
        flat.push(...flattenIssues(issue.errors[0] ?? [], path, root, kinds, validKeys))
      } else if (kindIndex === -1 || issue.errors[kindIndex] === undefined) {
        flat.push({ path, message: `a rule needs one of the keys ${kinds.join(', ')}` })
      } else {
        flat.push(...flattenIssues(issue.errors[kindIndex], path, root, kinds, validKeys))
      }
    } else if (issue.code === 'unrecognized_keys') {
      const valid = validKeys.get(issue.keys) ?? []
      for (const key of issue.keys) {
        const meant = closestName(key, valid)
        const hint = meant === undefined ? '' : `; did you mean \`${meant}\`?`
        flat.push({ path, key, message: `unknown key \`${key}\`${hint}` })
      }
    } else {
      flat.push({ path, message: issue.message })
    }
  }
  return flat
}

function valueAt(root: unknown, path: Path): unknown {
  let value = root
  for (const segment of path) {
    if (value === null || typeof value !== 'object') return undefined
    value = (value as Record<string | number, unknown>)[segment]
  }
  return value
}

/** The offset of the YAML node at `path` (or of the key `key` inside it), or of the nearest parent found. */
function offsetOf(doc: Document, path: Path, key?: string): number {
  let node: Node | null | undefined = doc.contents
  let offset = node?.range?.[0] ?? 0
  const steps: Path = key === undefined ? path : [...path, key]
  for (let i = 0; i < steps.length; i++) {
    const segment = steps[i]
    if (isMap(node)) {
      const pair: { key: unknown; value: unknown } | undefined = node.items.find(
        item => isScalar(item.key) && String(item.key.value) === String(segment)
      )
      if (pair === undefined) break
      const isTargetKey = key !== undefined && i === steps.length - 1
      const keyNode = pair.key as Node
      node = isTargetKey ? keyNode : ((pair.value as Node | null) ?? keyNode)
    } else if (isSeq(node) && typeof segment === 'number') {
      node = node.items[segment] as Node | undefined
    } else {
      break
    }
    if (node?.range) offset = node.range[0]
    else break
  }
  return offset
}

function describePath(path: Path): string {
  if (path.length === 0) return ''
  let text = ''
  for (const segment of path) {
    text += typeof segment === 'number' ? `[${segment}]` : text === '' ? segment : `.${segment}`
  }
  return `${text}: `
}

function yamlMessage(code: string, message: string, what: string): string {
  const first = message.split('\n')[0].replace(/ at line \d+, column \d+:?$/, '')
  if (code === 'DUPLICATE_KEY') return `duplicate key: ${first}`
  if (code === 'MULTIPLE_DOCS')
    return `invalid YAML: a ${what} is one YAML document, this file holds several (\`---\`)`
  return `invalid YAML: ${first}`
}

function dedupe(problems: FileProblem[]): FileProblem[] {
  const seen = new Set<string>()
  return problems.filter(problem => {
    const key = `${problem.line}:${problem.column}:${problem.message}`
    if (seen.has(key)) return false
    seen.add(key)
    return true
  })
}
