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
/** A refinement: exactly one of two keys is given. */
const oneOf = (a: string, b: string, what: string) =>
  [
    (value: Record<string, unknown>) => (value[a] === undefined) !== (value[b] === undefined),
    { message: `${what} needs exactly one of \`${a}\` or \`${b}\`` }
  ] as const

export const TagRuleSchema = z
  .strictObject({
    tag: z.string().min(1).describe('Tag key, looked up on the model version first, then on the run.'),
    ...matchFields
  })
  .refine(...oneOf('equals', 'matches', 'a tag rule'))

export const ParamRuleSchema = z
  .strictObject({ param: z.string().min(1).describe('Param key logged on the run.'), ...matchFields })
  .refine(...oneOf('equals', 'matches', 'a param rule'))

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

const metricKey = z.string().min(1)
const PROPORTION_KEYS = ['successes', 'trials'] as const
const MEAN_KEYS = ['n', 'sum', 'sum_sq'] as const
const OnlineMetricSchema = z
  .strictObject({
    name: z.string().min(1).describe('What the metric is called in reports (e.g. `conversion`).'),
    successes: metricKey
      .optional()
      .describe('A proportion: metric key of the successes counted per window (e.g. `conversions`).'),
    trials: metricKey
      .optional()
      .describe('A proportion: metric key of the trials counted per window (e.g. `impressions`).'),
    n: metricKey
      .optional()
      .describe('A mean: metric key of the number of values per window (e.g. `revenue_n`).'),
    sum: metricKey.optional().describe('A mean: metric key of the sum of the values per window.'),
    sum_sq: metricKey.optional().describe('A mean: metric key of the sum of the squared values per window.')
  })
  .superRefine((metric, ctx) => {
    const given = (keys: readonly string[]) =>
      keys.filter(key => metric[key as keyof typeof metric] !== undefined)
    const proportion = given(PROPORTION_KEYS)
    const mean = given(MEAN_KEYS)
    const complete =
      (proportion.length === PROPORTION_KEYS.length && mean.length === 0) ||
      (mean.length === MEAN_KEYS.length && proportion.length === 0)
    if (!complete) {
      ctx.addIssue({
        code: 'custom',
        message: `online metric "${metric.name}" is a proportion (\`successes\` and \`trials\`) or a mean (\`n\`, \`sum\` and \`sum_sq\`), not ${[...proportion, ...mean].map(key => `\`${key}\``).join(', ') || 'neither'}`
      })
    }
  })
  .describe(
    'An online metric logged by the serving layer per window: a proportion as `successes` and `trials`, a mean as `n`, `sum` and `sum_sq`.'
  )

export const GuardrailSchema = z
  .strictObject({
    metric: OnlineMetricSchema,
    direction: z.enum(['higher', 'lower']).describe('Which way is better for this metric.'),
    max_regression: nonNegative
      .optional()
      .describe('Largest worsening of the challenger allowed, in the metric’s units.'),
    max_regression_pct: nonNegative
      .optional()
      .describe('Largest worsening of the challenger allowed, in percent of the primary’s value.')
  })
  .refine(...oneOf('max_regression', 'max_regression_pct', 'a guardrail'))

export const ExperimentSchema = z
  .strictObject({
    metric: OnlineMetricSchema,
    direction: z.enum(['higher', 'lower']).optional().describe('Which way is better (default `higher`).'),
    min_effect: z
      .number()
      .positive()
      .optional()
      .describe('Smallest improvement worth concluding on, in the metric’s units.'),
    min_effect_pct: z
      .number()
      .positive()
      .optional()
      .describe('Smallest improvement worth concluding on, in percent of the primary’s value.'),
    confidence: z
      .number()
      .min(0.8)
      .max(0.999)
      .optional()
      .describe('Confidence of the always-valid intervals (default 0.95).'),
    min_samples: z
      .number()
      .int()
      .positive()
      .optional()
      .describe('Observations per version before any decision (default 1000).'),
    max_duration_days: z
      .number()
      .positive()
      .optional()
      .describe(
        'Days after the challenger entered production without a decision: inconclusive (default 14).'
      ),
    guardrails: z.array(GuardrailSchema).optional().describe('Metrics the challenger may not worsen.'),
    steps: z
      .array(z.number().int().min(1).max(100))
      .min(1)
      .refine(steps => steps.every((step, i) => i === 0 || step > steps[i - 1]), {
        message: 'the traffic steps must go up, each once'
      })
      .optional()
      .describe(
        'The challenger’s traffic in percent, one step per decision (default [10, 25, 50, 100]); only a winner goes to 100.'
      ),
    mlflow_experiment: z
      .string()
      .min(1)
      .optional()
      .describe('MLflow experiment holding the online windows (default `promotion-gate/<model>`).'),
    dataset: z
      .string()
      .min(1)
      .optional()
      .describe(
        'MLflow 3: read each version’s windows from its logged model, the metrics logged with this dataset, instead of from runs.'
      )
  })
  .refine(experiment => experiment.dataset === undefined || experiment.mlflow_experiment === undefined, {
    message:
      'the windows come from runs in `mlflow_experiment` or from logged models with `dataset`, not both',
    path: ['dataset']
  })
  .refine(...oneOf('min_effect', 'min_effect_pct', 'an experiment'))
  .describe('An A/B experiment between production versions, decided by always-valid statistics.')

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
      labels: z.array(z.string().min(1)).optional().describe('Labels put on the promotion PR.'),
      experiment: ExperimentSchema.optional()
    })
    .refine(production => production.experiment === undefined || production.strategy === 'ab', {
      message: 'an `experiment` compares production versions: it needs `strategy: ab`',
      path: ['experiment']
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
export type ExperimentPolicy = z.infer<typeof ExperimentSchema>
export type OnlineMetric = z.infer<typeof OnlineMetricSchema>
