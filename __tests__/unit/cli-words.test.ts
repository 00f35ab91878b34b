import { describe, expect, it } from '@jest/globals'
import { allOptions } from '../../src/cli-options.js'
import { cliWords } from '../../src/cli-words.js'
import { gitHubSettings } from '../../src/github/settings.js'
import { readInputs } from '../../src/inputs.js'
import { resolveRegistryConfig } from '../../src/registry/config.js'

const flags = allOptions()
const words = (message: string) => cliWords(message, flags)

/** The message an action-side function throws, as the action says it. */
function thrown(run: () => unknown): string {
  try {
    run()
  } catch (error) {
    return (error as Error).message
  }
  throw new Error('expected a throw')
}

describe('messages in the CLI’s words', () => {
  it('name the flag where the action names its input, in the messages the code really throws', () => {
    const inputs = thrown(() => readInputs(name => ({ version: 'seven', 'dry-run': 'maybe' })[name] ?? ''))
    expect(inputs).toContain('input `version` must be a version number or `latest`') // the action's words stay
    expect(words(inputs)).toBe(
      'Invalid input: --version must be a version number or `latest`; --dry-run must be true or false, got "maybe"'
    )
    const uri = thrown(() => resolveRegistryConfig({}, {}))
    expect(words(uri)).toBe(
      'No MLflow tracking URI: give --tracking-uri or the MLFLOW_TRACKING_URI environment variable.'
    )
    const token = thrown(() => gitHubSettings({ GITHUB_REPOSITORY: 'acme/models' }, undefined))
    expect(words(token)).toMatch(/^--github-token is empty: .*\(default \$GITHUB_TOKEN\)\.$/)
  })

  it.each([
    ['rollback needs the input `reason`: it is recorded.', 'rollback needs --reason: it is recorded.'],
    ['rollback needs the input `model`.', 'rollback needs --model.'],
    ['The input `version` needs the input `model`: say which.', '--version needs --model: say which.'],
    [
      'no promotion pull request is opened (set `open-pr: false` to say so).',
      'no promotion pull request is opened (give --no-open-pr to say so).'
    ],
    ['set `fail-on-reject: false` to let the step pass.', 'give --no-fail-on-reject to let the step pass.'],
    ['`drift-issue: true` keeps an issue', '--drift-issue keeps an issue'],
    ['Set `model: fraud detector`.', 'Give --model "fraud detector".'],
    ['point the `policy` input at the YAML file.', 'point --policy at the YAML file.'],
    ['The `model` input is empty', '--model is empty'],
    ['so it needs GITHUB_REPOSITORY and `github-token`.', 'so it needs GITHUB_REPOSITORY and --github-token.']
  ])('%j → %j', (message, expected) => {
    expect(words(message)).toBe(expected)
  })

  it('leaves alone what is not an option: policy keys, values, the command, bare one-word names', () => {
    for (const message of [
      '`max_regression` needs `baseline: champion`',
      'archived versions beyond `keep_archived`',
      'give `version` to restore one',
      'input `command` must be one of evaluate, verify',
      'the `records` input',
      'a rule needs one of the keys metric, signature'
    ])
      expect(words(message)).toBe(message)
  })

  it('is driven by the options it is given', () => {
    expect(cliWords('input `actor` is empty', [{ name: 'actor', kind: 'string' }])).toBe('--actor is empty')
    expect(cliWords('input `actor` is empty', [])).toBe('input `actor` is empty')
  })
})
