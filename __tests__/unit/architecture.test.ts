import { describe, expect, it } from '@jest/globals'
import { ESLint } from 'eslint'

/**
 * The import rules of ARCHITECTURE.md are lint rules (eslint.config.js); these cases show each one is in force, so a
 * refactoring that breaks a rule fails `npm run lint`, and a change that drops a rule fails here.
 */
describe('the layers (ARCHITECTURE.md)', () => {
  const eslint = new ESLint()
  async function problems(filePath: string, code: string): Promise<string[]> {
    const [result] = await eslint.lintText(code, { filePath })
    return result.messages
      .filter(message => message.ruleId === '@typescript-eslint/no-restricted-imports')
      .map(message => message.message)
  }

  it.each([
    [
      'the domain imports the MLflow adapter',
      'src/domain/example.ts',
      "import type { MlflowClient } from '../registry/client.js'"
    ],
    [
      'the domain imports the GitHub adapter',
      'src/domain/policy/example.ts',
      "import type { PromotionRepository } from '../../github/repository.js'"
    ],
    ['the domain does I/O', 'src/domain/example.ts', "import { readFile } from 'node:fs/promises'"],
    [
      'the domain imports a command',
      'src/domain/example.ts',
      "import { evaluateCommand } from '../commands/evaluate.js'"
    ],
    [
      'the MLflow adapter imports the GitHub adapter',
      'src/registry/example.ts',
      "import type { Octokit } from '../github/github.js'"
    ],
    [
      'the MLflow adapter imports a workflow',
      'src/registry/lifecycle/example.ts',
      "import { reviewPullRequest } from '../../gate/checks.js'"
    ],
    [
      'the GitHub adapter imports the MLflow adapter',
      'src/github/example.ts',
      "import type { MlflowClient } from '../registry/client.js'"
    ],
    [
      'the report imports an adapter',
      'src/report/example.ts',
      "import type { PromotionRepository } from '../github/repository.js'"
    ],
    [
      'the relay imports the MLflow adapter',
      'src/relay/example.ts',
      "import type { MlflowClient } from '../registry/client.js'"
    ],
    [
      'a command imports the relay',
      'src/commands/example.ts',
      "import { routeEvent } from '../relay/events.js'"
    ],
    [
      'a workflow imports a command',
      'src/gate/example.ts',
      "import { promoteCommand } from '../commands/promote.js'"
    ]
  ])('refuses: %s', async (_name, filePath, code) => {
    expect(await problems(filePath, `${code}\nexport {}\n`)).toEqual([
      expect.stringContaining('ARCHITECTURE.md')
    ])
  })

  it.each([
    [
      'the domain imports the domain',
      'src/domain/policy/example.ts',
      "import type { Evidence } from '../evidence.js'"
    ],
    [
      'an adapter imports the domain',
      'src/github/example.ts',
      "import type { PushFacts } from '../domain/pushers.js'"
    ],
    [
      'a workflow imports both adapters',
      'src/gate/example.ts',
      "import type { MlflowClient } from '../registry/client.js'\nimport type { PromotionRepository } from '../github/repository.js'"
    ],
    [
      'a command imports everything',
      'src/commands/example.ts',
      "import { reviewPullRequest } from '../gate/checks.js'"
    ]
  ])('allows: %s', async (_name, filePath, code) => {
    expect(await problems(filePath, `${code}\nexport {}\n`)).toEqual([])
  })
})
