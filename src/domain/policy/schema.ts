import { z } from 'zod'

// The promotion policy (.github/model-promotion.yml). Every object is strict: an unknown key is an error,
// so a typo can never silently weaken a gate. The JSON Schema in schema/ is generated from these definitions.

const severity = z
  .enum(['block', 'warn'])
  .optional()
  .describe('`warn`: reported, never blocking. Default `block`.')
const onMissing = z
  .enum(['fail', 'warn', 'pass'])
  .optional()
  .describe('What a missing value does; default from the model (`fail`: fail closed).')
const nonNegative = z.number().nonnegative()
const common = { severity, on_missing: onMissing, description: z.string().optional() }

export const MetricRuleSchema = z
  .strictObject({
    metric: z
      .string()
      .min(1)
      .describe('Metric key logged on the run (or on the MLflow 3 logged model with `dataset`).'),
    dataset: z
      .string()
      .min(1)
      .optional()
      .describe('Use the logged-model metric recorded for this dataset (MLflow 3).'),
    aggregate: z
      .enum(['last', 'min', 'max', 'mean'])
      .optional()
      .describe('Aggregate over the metric history instead of the latest value.'),
    steps: z.number().int().positive().optional().describe('With `aggregate`: only the last N values.'),
    min: z.number().optional().describe('The value must be at least this.'),
    max: z.number().optional().describe('The value must be at most this.'),
    baseline: z.literal('champion').optional().describe('Compare with the current production version.'),
    direction: z.enum(['higher', 'lower']).optional().describe('Which way is better (default `higher`).'),
    max_regression: nonNegative
      .optional()
      .describe('Largest allowed worsening vs the champion, in metric units.'),
    max_regression_pct: nonNegative
      .optional()
      .describe('Largest allowed worsening vs the champion, in percent.'),
    min_improvement: nonNegative
      .optional()
      .describe('Smallest required improvement vs the champion, in metric units.'),
    min_improvement_pct: nonNegative
      .optional()
      .describe('Smallest required improvement vs the champion, in percent.'),
    on_no_baseline: z
      .enum(['pass', 'warn', 'fail'])
      .optional()
      .describe(
        'What a champion comparison does when there is no champion yet (default `pass`, with a note).'
      ),
    ...common
  })
  .superRefine((rule, ctx) => {
    const baselineKeys = [
      'max_regression',
      'max_regression_pct',
      'min_improvement',
      'min_improvement_pct',
      'on_no_baseline',
      'direction'
    ] as const
    const comparisons = baselineKeys.slice(0, 4).filter(key => rule[key] !== undefined)
    if (rule.baseline === undefined) {
      for (const key of baselineKeys) {
        if (rule[key] !== undefined) {
          ctx.addIssue({ code: 'custom', path: [key], message: `\`${key}\` needs \`baseline: champion\`` })
        }
      }
      if (rule.min === undefined && rule.max === undefined) {
        ctx.addIssue({
          code: 'custom',
          path: [],
          message: `metric rule "${rule.metric}" needs \`min\`, \`max\` or \`baseline: champion\``
        })
      }
    } else if (comparisons.length > 1) {
      ctx.addIssue({
        code: 'custom',
        path: [comparisons[1]],
        message: `use one of ${baselineKeys.slice(0, 4).join(', ')} per rule, not ${comparisons.join(' and ')}`
      })
    }
    if (rule.steps !== undefined && rule.aggregate === undefined) {
      ctx.addIssue({ code: 'custom', path: ['steps'], message: '`steps` needs `aggregate`' })
    }
    if (rule.min !== undefined && rule.max !== undefined && rule.min > rule.max) {
      ctx.addIssue({ code: 'custom', path: ['min'], message: '`min` is greater than `max`' })
    }
  })

export const SignatureRuleSchema = z.strictObject({
  signature: z
    .enum(['required', 'compatible'])
    .describe(
      '`required`: the version has a signature; `compatible`: no input removed, retyped or newly required vs the champion.'
    ),
  ...common
})

const regex = z.string().refine(
  pattern => {
    try {
      new RegExp(pattern)
      return true
    } catch {
      return false
    }
  },
  { message: 'is not a valid regular expression' }
)

const matchFields = {
  equals: z.string().optional().describe('The value must equal this.'),
  matches: regex.optional().describe('The value must match this regular expression.'),
  ...common
}
const exactlyOneMatch = (what: string) =>
  [
    (rule: { equals?: string; matches?: string }) =>
      (rule.equals === undefined) !== (rule.matches === undefined),
    { message: `a ${what} rule needs exactly one of \`equals\` or \`matches\`` }
  ] as const

export const TagRuleSchema = z
  .strictObject({
    tag: z.string().min(1).describe('Tag key, looked up on the model version first, then on the run.'),
    ...matchFields
  })
  .refine(...exactlyOneMatch('tag'))

export const ParamRuleSchema = z
  .strictObject({ param: z.string().min(1).describe('Param key logged on the run.'), ...matchFields })
  .refine(...exactlyOneMatch('param'))

const RUN_STATUSES = ['RUNNING', 'SCHEDULED', 'FINISHED', 'FAILED', 'KILLED'] as const
export const RunStatusRuleSchema = z.strictObject({
  run_status: z
    .union([z.enum(RUN_STATUSES), z.array(z.enum(RUN_STATUSES)).min(1)])
    .describe('The run must have this status (or one of these).'),
  ...common
})

export const MaxAgeRuleSchema = z.strictObject({
  max_age_days: z
    .number()
    .positive()
    .describe('The version must have been registered at most this many days ago.'),
  ...common
})

export type Rule =
  | z.infer<typeof MetricRuleSchema>
  | z.infer<typeof SignatureRuleSchema>
  | z.infer<typeof TagRuleSchema>
  | z.infer<typeof ParamRuleSchema>
  | z.infer<typeof RunStatusRuleSchema>
  | z.infer<typeof MaxAgeRuleSchema>
  | { any: Rule[]; severity?: 'block' | 'warn'; description?: string }
  | { all: Rule[]; severity?: 'block' | 'warn'; description?: string }

/** The key that names a rule's kind, in the order rule kinds are tried. */
export const RULE_KINDS = [
  'metric',
  'signature',
  'tag',
  'param',
  'run_status',
  'max_age_days',
  'any',
  'all'
] as const

export const RuleSchema: z.ZodType<Rule> = z.lazy(() =>
  z.union([
    MetricRuleSchema,
    SignatureRuleSchema,
    TagRuleSchema,
    ParamRuleSchema,
    RunStatusRuleSchema,
    MaxAgeRuleSchema,
    z.strictObject({ any: z.array(RuleSchema).min(1), severity, description: z.string().optional() }),
    z.strictObject({ all: z.array(RuleSchema).min(1), severity, description: z.string().optional() })
  ])
)

const aliasName = z.string().regex(/^[\w-]+$/, 'alias names may hold letters, digits, `_` and `-` only')

export const ModelPolicySchema = z.strictObject({
  staging: z
    .strictObject({
      rules: z.array(RuleSchema).min(1).describe('Every blocking rule must pass (an implicit `all`).'),
      on_missing: z
        .enum(['fail', 'warn', 'pass'])
        .optional()
        .describe('Default for rules without `on_missing` (`fail`).')
    })
    .describe('The automatic gate to Staging.'),
  production: z
    .strictObject({
      approvals: z
        .number()
        .int()
        .min(0)
        .max(20)
        .optional()
        .describe('Distinct approving reviews required (default 1).'),
      approvers: z.array(z.string().min(1)).optional().describe('Allowed approvers: logins or `@org/team`.'),
      allow_author_approval: z.boolean().optional(),
      strategy: z
        .enum(['replace', 'ab'])
        .optional()
        .describe('`replace` (default) or `ab` (weighted versions).'),
      reviewers: z.array(z.string().min(1)).optional().describe('Reviewers requested on the promotion PR.'),
      labels: z.array(z.string().min(1)).optional().describe('Labels put on the promotion PR.')
    })
    .optional(),
  retention: z
    .strictObject({
      archive_staging_after_days: z.number().positive().optional(),
      keep_archived: z.number().int().nonnegative().optional()
    })
    .optional()
})

export const PolicySchema = z
  .strictObject({
    $schema: z.string().optional(),
    version: z.literal(1).describe('Policy format version (1).'),
    registry: z
      .strictObject({
        lifecycle: z.enum(['aliases', 'stages', 'both']).optional().describe('Default `aliases`.'),
        aliases: z
          .strictObject({
            staging: aliasName.optional(),
            production: aliasName.optional(),
            extra_production: z
              .string()
              .regex(
                /^[\w-]*\{n\}[\w-]*$/,
                'a template of letters, digits, `_` and `-` with one `{n}`, e.g. `champion-{n}`'
              )
              .optional()
              .describe(
                'How extra production versions (A/B) are named; `{n}` is 2, 3, … (default `<production>-{n}`).'
              )
          })
          .optional()
      })
      .optional(),
    records: z
      .string()
      .min(1)
      // A pattern rather than a refinement, so the JSON Schema tells editors too.
      .regex(/^(?![/\\])(?![a-zA-Z]:)(?!(?:.*[/\\])?\.\.(?:[/\\]|$))/, {
        message: 'the records folder must be a relative path inside the repository, without `..`'
      })
      .optional()
      .describe('Folder of promotion records (default `.github/models`).'),
    models: z
      .record(z.string().min(1), ModelPolicySchema)
      .refine(models => Object.keys(models).length > 0, { message: 'the policy names no model' })
      .describe('Policies by registered-model name or glob pattern (`fraud-*`).')
  })
  .describe('MLflow Promotion Gate policy')

export type Policy = z.infer<typeof PolicySchema>
export type ModelPolicy = z.infer<typeof ModelPolicySchema>
export type MetricRule = z.infer<typeof MetricRuleSchema>
