import js from '@eslint/js'
import prettier from 'eslint-config-prettier'
import globals from 'globals'
import tseslint from 'typescript-eslint'

export default tseslint.config(
  { ignores: ['dist/', 'build/', 'coverage/', 'node_modules/'] },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  {
    languageOptions: { globals: { ...globals.node } },
    rules: {
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_' }],
      eqeqeq: ['error', 'smart'],
      'no-console': 'error'
    }
  },
  {
    files: ['__tests__/**', 'scripts/**', 'tools/**'],
    rules: { 'no-console': 'off' }
  },
  ...layerRules(),
  prettier
)

/**
 * The import rules of ARCHITECTURE.md: the domain imports no adapter and nothing with I/O; the two adapters (MLflow
 * in src/registry, GitHub in src/github) never import each other, nor the workflows (src/gate) or the commands;
 * the report renders domain values only; the webhook relay (src/relay) is a program apart that uses the domain and
 * the GitHub adapter and that nothing of the action imports. `@typescript-eslint/no-restricted-imports` also sees `import type`.
 */
function layerRules() {
  const outside = (...folders) =>
    folders.map(folder => ({
      group: [`**/${folder}`, `**/${folder}/**`, `./${folder}`, `./${folder}/**`],
      message: `ARCHITECTURE.md: this layer may not import src/${folder}.`
    }))
  const rule = (files, folders, extra = []) => ({
    files,
    rules: {
      '@typescript-eslint/no-restricted-imports': ['error', { patterns: [...outside(...folders), ...extra] }]
    }
  })
  const entryPoints = [
    '**/cli.js',
    '**/cli-*.js',
    '**/main.js',
    '**/execute.js',
    '**/context.js',
    '**/operator.js',
    '**/action.js',
    '**/actions-toolkit.js',
    '**/cli-mark.js'
  ]
  const fromEntryPoints = {
    group: entryPoints,
    message: 'ARCHITECTURE.md: only the entry points import these.'
  }
  return [
    rule(
      ['src/domain/**'],
      ['registry', 'github', 'gate', 'commands', 'report', 'relay'],
      [
        fromEntryPoints,
        {
          group: [
            'node:fs',
            'node:fs/*',
            'node:child_process',
            'node:http',
            'node:https',
            'node:net',
            'node:os'
          ],
          message: 'ARCHITECTURE.md: the domain does no I/O.'
        },
        { group: ['undici', '@actions/*', '@octokit/*'], message: 'ARCHITECTURE.md: the domain does no I/O.' }
      ]
    ),
    rule(['src/registry/**'], ['github', 'gate', 'commands', 'report', 'relay'], [fromEntryPoints]),
    rule(['src/github/**'], ['registry', 'gate', 'commands', 'report', 'relay'], [fromEntryPoints]),
    rule(['src/report/**'], ['registry', 'github', 'gate', 'commands', 'relay'], [fromEntryPoints]),
    rule(['src/gate/**'], ['commands', 'relay'], [fromEntryPoints]),
    rule(['src/commands/**'], ['relay'], [fromEntryPoints]),
    // The relay is a program of its own: the domain and the GitHub adapter, nothing of the action's.
    rule(['src/relay/**'], ['registry', 'gate', 'commands', 'report'], [fromEntryPoints])
  ]
}
