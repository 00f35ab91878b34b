import { posix } from 'node:path'
import { z } from 'zod'

import { InputError } from './domain/input-error.js'

export { InputError }

export const COMMANDS = [
  'evaluate',
  'verify',
  'promote',
  'rollback',
  'archive',
  'audit',
  'experiment'
] as const
export type CommandName = (typeof COMMANDS)[number]

const booleanInput = (name: string) =>
  z
    .string()
    .trim()
    .transform((value, ctx) => {
      const lower = value.toLowerCase()
      if (lower === 'true') return true
      if (lower === 'false') return false
      ctx.addIssue({ code: 'custom', message: `input \`${name}\` must be true or false, got "${value}"` })
      return z.NEVER
    })

const optional = z
  .string()
  .optional()
  .transform(value => (value === undefined || value.trim() === '' ? undefined : value.trim()))

/**
 * A runner that does not evaluate `${{ … }}` (one that reads action.yml defaults as plain text) passes the expression
 * itself; sent as a credential it would only earn a 401, so it is refused by name, without echoing it.
 */
const evaluated = (name: string) =>
  optional.refine(value => value === undefined || !/\$\{\{.*\}\}/s.test(value), {
    message: `input \`${name}\` is an unevaluated \`\${{ … }}\` expression: this runner passed the expression's text instead of its value; give the value itself (a secret, or the environment variable outside Actions)`
  })

/** MLflow's registry stores names of at most this many characters (its `name` columns are String(256)). */
const MAX_MODEL_NAME = 256

export const InputsSchema = z.object({
  command: z
    .string()
    .trim()
    .transform((value, ctx) => {
      if ((COMMANDS as readonly string[]).includes(value)) return value as CommandName
      ctx.addIssue({
        code: 'custom',
        message: `input \`command\` must be one of ${COMMANDS.join(', ')}, got "${value}"`
      })
      return z.NEVER
    }),
  model: optional
    .refine(value => value === undefined || !/\p{Cc}/u.test(value), {
      message: 'input `model` may not contain control characters such as a line break'
    })
    .refine(value => value === undefined || value.length <= MAX_MODEL_NAME, {
      message: `input \`model\` is longer than ${MAX_MODEL_NAME} characters, the most MLflow stores for a name`
    }),
  version: optional.refine(
    value => value === undefined || value === 'latest' || /^[1-9]\d{0,9}$/.test(value),
    {
      message: 'input `version` must be a version number or `latest`'
    }
  ),
  policy: z
    .string()
    .trim()
    .min(1)
    .refine(value => posix.normalize(value.replaceAll('\\', '/')).split('/')[0] !== '..', {
      message: 'input `policy` must be a path inside the repository (it may not climb out with `..`)'
    }),
  trackingUri: evaluated('tracking-uri'),
  trackingToken: evaluated('tracking-token'),
  trackingUsername: evaluated('tracking-username'),
  trackingPassword: evaluated('tracking-password'),
  workspace: evaluated('workspace'),
  githubToken: evaluated('github-token'),
  dryRun: booleanInput('dry-run'),
  reason: optional,
  openPr: booleanInput('open-pr'),
  failOnReject: booleanInput('fail-on-reject'),
  failOnDrift: booleanInput('fail-on-drift'),
  driftIssue: booleanInput('drift-issue')
})
export type Inputs = z.infer<typeof InputsSchema>

/** Input names as action.yml declares them, with the defaults used when a runner passes nothing. */
export const INPUT_DEFAULTS: Record<string, string> = {
  command: 'evaluate',
  policy: '.github/model-promotion.yml',
  'dry-run': 'false',
  'open-pr': 'true',
  'fail-on-reject': 'true',
  'fail-on-drift': 'false',
  'drift-issue': 'false'
}

export type InputReader = (name: string) => string

/** The action.yml name of a schema key: `trackingUri` → `tracking-uri`. */
export function inputName(key: string): string {
  return key.replace(/[A-Z]/g, letter => `-${letter.toLowerCase()}`)
}

/** Reads every input once and validates it; throws an Error listing each bad input. */
export function readInputs(read: InputReader): Inputs {
  const get = (name: string): string => {
    const value = read(name)
    return value === '' ? (INPUT_DEFAULTS[name] ?? '') : value
  }
  // Each schema key is the camelCase of its action.yml name (`tracking-uri` → trackingUri).
  const raw = Object.fromEntries(Object.keys(InputsSchema.shape).map(key => [key, get(inputName(key))]))
  const result = InputsSchema.safeParse(raw)
  if (!result.success) {
    throw new InputError(`Invalid input: ${result.error.issues.map(issue => issue.message).join('; ')}`)
  }
  return result.data
}
