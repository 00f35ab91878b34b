export const VALID = `version: 1
models:
  fraud-detector:
    staging:
      rules:
        - metric: accuracy
          min: 0.95
`
// Malformed policies: each must give exactly these problems, at these positions (line:column).
export const CORPUS: [string, string, string[]][] = [
  ['empty file', '', ['1:1: the policy is empty']],
  [
    'not YAML',
    'version: 1\nmodels: [unclosed\n',
    ['3:1: invalid YAML: Flow sequence in block collection must be sufficiently indented and end with a ]']
  ],
  ['a list instead of a mapping', '- version: 1\n', ['1:1: Invalid input: expected object, received array']],
  [
    'wrong version',
    'version: 2\nmodels:\n  m:\n    staging:\n      rules:\n        - metric: a\n          min: 1\n',
    ['1:10: version: Invalid input: expected 1']
  ],
  ['unknown top-level key', VALID + 'extra: true\n', ['8:1: unknown key `extra`']],
  [
    'typo in a rule key',
    VALID.replace('min: 0.95', 'minimum: 0.95'),
    [
      '7:11: models.fraud-detector.staging.rules[0]: unknown key `minimum`',
      '6:11: models.fraud-detector.staging.rules[0]: metric rule "accuracy" needs `min`, `max` or `baseline: champion`'
    ]
  ],
  [
    'threshold of the wrong type',
    VALID.replace('min: 0.95', 'min: "high"'),
    ['7:16: models.fraud-detector.staging.rules[0].min: Invalid input: expected number, received string']
  ],
  [
    'rule with no kind',
    VALID.replace('- metric: accuracy\n          min: 0.95', '- threshold: 3'),
    [
      '6:11: models.fraud-detector.staging.rules[0]: a rule needs one of the keys metric, signature, tag, param, run_status, max_age_days, any, all'
    ]
  ],
  [
    'metric rule with no comparison',
    VALID.replace('\n          min: 0.95', ''),
    [
      '6:11: models.fraud-detector.staging.rules[0]: metric rule "accuracy" needs `min`, `max` or `baseline: champion`'
    ]
  ],
  [
    'baseline option without baseline',
    VALID.replace('min: 0.95', 'min: 0.95\n          max_regression: 0.1'),
    [
      '8:27: models.fraud-detector.staging.rules[0].max_regression: `max_regression` needs `baseline: champion`'
    ]
  ],
  [
    'two baseline comparisons',
    VALID.replace(
      'min: 0.95',
      'baseline: champion\n          max_regression: 0.1\n          min_improvement: 0.2'
    ),
    [
      '9:28: models.fraud-detector.staging.rules[0].min_improvement: use one of max_regression, max_regression_pct, min_improvement, min_improvement_pct per rule, not max_regression and min_improvement'
    ]
  ],
  [
    'unknown direction',
    VALID.replace('min: 0.95', 'baseline: champion\n          direction: up'),
    [
      '8:22: models.fraud-detector.staging.rules[0].direction: Invalid option: expected one of "higher"|"lower"'
    ]
  ],
  [
    'negative regression',
    VALID.replace('min: 0.95', 'baseline: champion\n          max_regression: -1'),
    ['8:27: models.fraud-detector.staging.rules[0].max_regression: Too small: expected number to be >=0']
  ],
  [
    'bad regular expression',
    VALID.replace('- metric: accuracy\n          min: 0.95', '- tag: status\n          matches: "([a-z"'),
    ['7:20: models.fraud-detector.staging.rules[0].matches: is not a valid regular expression']
  ],
  [
    'tag rule with equals and matches',
    VALID.replace(
      '- metric: accuracy\n          min: 0.95',
      '- tag: status\n          equals: ok\n          matches: ok'
    ),
    ['6:11: models.fraud-detector.staging.rules[0]: a tag rule needs exactly one of `equals` or `matches`']
  ],
  [
    'unknown signature mode',
    VALID.replace('- metric: accuracy\n          min: 0.95', '- signature: optional'),
    [
      '6:22: models.fraud-detector.staging.rules[0].signature: Invalid option: expected one of "required"|"compatible"'
    ]
  ],
  [
    'bad run status',
    VALID.replace('- metric: accuracy\n          min: 0.95', '- run_status: DONE'),
    [
      '6:23: models.fraud-detector.staging.rules[0].run_status: Invalid option: expected one of "RUNNING"|"SCHEDULED"|"FINISHED"|"FAILED"|"KILLED"'
    ]
  ],
  [
    'empty rules',
    'version: 1\nmodels:\n  m:\n    staging:\n      rules: []\n',
    ['5:14: models.m.staging.rules: Too small: expected array to have >=1 items']
  ],
  ['no models', 'version: 1\nmodels: {}\n', ['2:9: models: the policy names no model']],
  [
    'duplicate key',
    VALID.replace('min: 0.95', 'min: 0.95\n          min: 0.9'),
    ['8:11: duplicate key: Map keys must be unique']
  ],
  [
    'steps without aggregate',
    VALID.replace('min: 0.95', 'min: 0.95\n          steps: 3'),
    ['8:18: models.fraud-detector.staging.rules[0].steps: `steps` needs `aggregate`']
  ],
  [
    'invalid alias name',
    'version: 1\nregistry:\n  aliases:\n    production: "prod env"\n' + VALID.replace('version: 1\n', ''),
    ['4:17: registry.aliases.production: alias names may hold letters, digits, `_` and `-` only']
  ],
  [
    'unknown lifecycle',
    'version: 1\nregistry:\n  lifecycle: labels\n' + VALID.replace('version: 1\n', ''),
    ['3:14: registry.lifecycle: Invalid option: expected one of "aliases"|"stages"|"both"']
  ],
  [
    'approvals not an integer',
    VALID + '    production:\n      approvals: 1.5\n',
    ['9:18: models.fraud-detector.production.approvals: Invalid input: expected int, received number']
  ],
  [
    'alias bomb',
    'a: &a [x, x, x, x, x, x, x, x, x, x]\nb: &b [*a, *a, *a, *a, *a, *a, *a, *a, *a, *a]\nc: &c [*b, *b, *b, *b, *b, *b, *b, *b, *b, *b]\nd: &d [*c, *c, *c, *c, *c, *c, *c, *c, *c, *c]\ne: [*d, *d, *d, *d, *d, *d, *d, *d, *d, *d]\n',
    ['1:1: the policy could not be read: Excessive alias count indicates a resource exhaustion attack']
  ],
  [
    'nested group with a bad rule',
    VALID.replace(
      '- metric: accuracy\n          min: 0.95',
      '- any:\n            - metric: f1\n              max: "x"'
    ),
    [
      '8:20: models.fraud-detector.staging.rules[0].any[0].max: Invalid input: expected number, received string'
    ]
  ]
]
