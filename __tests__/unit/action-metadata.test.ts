// action.yml and the workflows that use the action, read with GitHub's own parser (@actions/workflow-parser, the one
// behind the Actions language service): action.yml against its action schema, every workflow against the workflow
// schema, and every `with:` given to this action against the inputs action.yml declares.
import { describe, expect, it } from '@jest/globals'
import {
  convertWorkflowTemplate,
  isMapping,
  isSequence,
  isString,
  NoOperationTraceWriter,
  parseWorkflow,
  type TemplateParseResult
} from '@actions/workflow-parser'
import {
  convertActionTemplate,
  parseAction,
  type ActionTemplate
} from '@actions/workflow-parser/actions/index'
import { readdirSync, readFileSync } from 'node:fs'
import { join, relative, resolve } from 'node:path'

const root = resolve(import.meta.dirname, '../..')
/** How workflows name this action: the published `<owner>/mlflow-promotion-gate@<ref>`, or `./` in this repository. */
const THIS_ACTION = /^(?:[\w.-]+\/mlflow-promotion-gate@.+|\.\/?)$/

const errorsOf = (result: TemplateParseResult) =>
  result.context.errors.getErrors().map(error => error.message)

/** Parses and converts an action.yml; returns the action and every problem GitHub's parser reports. */
function readAction(name: string, content: string): { action?: ActionTemplate; problems: string[] } {
  const parsed = parseAction({ name, content }, new NoOperationTraceWriter())
  if (parsed.value === undefined || parsed.context.errors.count > 0) return { problems: errorsOf(parsed) }
  const action = convertActionTemplate(parsed.context, parsed.value)
  return { action, problems: errorsOf(parsed) }
}

/** Parses and converts a workflow (expressions, needs, step ids included); returns every problem reported. */
async function workflowProblems(name: string, content: string): Promise<string[]> {
  const parsed = parseWorkflow({ name, content }, new NoOperationTraceWriter())
  if (parsed.value === undefined || parsed.context.errors.count > 0) return errorsOf(parsed)
  const template = await convertWorkflowTemplate(parsed.context, parsed.value)
  return [...errorsOf(parsed), ...(template.errors ?? []).map(error => error.Message)]
}

interface Usage {
  where: string
  inputs: string[]
}

/** The steps of a workflow that use this action, with the input names each gives in `with:`. */
function actionUsages(name: string, content: string): Usage[] {
  const parsed = parseWorkflow({ name, content }, new NoOperationTraceWriter())
  const usages: Usage[] = []
  const jobs = parsed.value !== undefined && isMapping(parsed.value) ? parsed.value.find('jobs') : undefined
  if (jobs === undefined || !isMapping(jobs)) return usages
  for (const { value: job } of jobs) {
    const steps = isMapping(job) ? job.find('steps') : undefined
    if (steps === undefined || !isSequence(steps)) continue
    for (let i = 0; i < steps.count; i++) {
      const step = steps.get(i)
      if (!isMapping(step)) continue
      const uses = step.find('uses')
      if (uses === undefined || !isString(uses) || !THIS_ACTION.test(uses.value)) continue
      const inputs = step.find('with')
      usages.push({
        where: `${name}:${uses.range?.start.line ?? '?'}`,
        inputs: inputs !== undefined && isMapping(inputs) ? [...inputs].map(({ key }) => key.toString()) : []
      })
    }
  }
  return usages
}

/** Inputs given that action.yml does not declare, and required inputs (without a default) not given. */
function inputProblems(action: ActionTemplate, usages: Usage[]): string[] {
  const declared = new Map((action.inputs ?? []).map(input => [input.id, input]))
  const problems: string[] = []
  for (const usage of usages) {
    for (const name of usage.inputs) {
      if (!declared.has(name))
        problems.push(`${usage.where}: \`with: ${name}\` is not an input of action.yml`)
    }
    for (const input of declared.values()) {
      if (input.required === true && input.default === undefined && !usage.inputs.includes(input.id)) {
        problems.push(`${usage.where}: the required input \`${input.id}\` is not given`)
      }
    }
  }
  return problems
}

const actionYml = readFileSync(join(root, 'action.yml'), 'utf8')
const workflowFiles = ['examples/workflows', '.github/workflows'].flatMap(dir =>
  readdirSync(join(root, dir))
    .filter(file => /\.ya?ml$/.test(file))
    .map(file => join(root, dir, file))
)
const workflows = workflowFiles.map(file => ({
  name: relative(root, file),
  content: readFileSync(file, 'utf8')
}))

describe('action.yml, read with GitHub’s parser (@actions/workflow-parser)', () => {
  const { action, problems } = readAction('action.yml', actionYml)

  it('is valid against the action schema', () => {
    expect(problems).toEqual([])
    expect(action).toBeDefined()
  })

  it('runs the committed bundle on node24', () => {
    expect(action?.runs).toEqual({ using: 'node24', main: 'dist/index.js' })
  })

  it('reports what is wrong in a broken copy (so the checks above can fail)', () => {
    expect(readAction('broken.yml', actionYml.replace('using: node24', 'using: node99')).problems).toEqual([
      expect.stringContaining("Unexpected value 'node99'")
    ])
    expect(readAction('broken.yml', actionYml.replace(/^runs:\n(?: {2}.*\n)+/m, '')).problems).toEqual([
      expect.stringContaining('Required property is missing: runs')
    ])
    expect(readAction('broken.yml', actionYml.replace(/^outputs:/m, 'output:')).problems).toEqual([
      expect.stringContaining("Unexpected value 'output'")
    ])
    expect(readAction('broken.yml', 'name: [unclosed\n').problems).not.toEqual([])
  })
})

describe.each(workflows)('$name, read with GitHub’s parser', ({ name, content }) => {
  it('is a valid workflow', async () => {
    expect(await workflowProblems(name, content)).toEqual([])
  })

  it('gives this action only inputs that action.yml declares, and every required one', () => {
    const usages = actionUsages(name, content)
    expect(usages.length).toBeGreaterThan(0)
    expect(inputProblems(readAction('action.yml', actionYml).action!, usages)).toEqual([])
  })
})

describe('the workflow checks', () => {
  const { action } = readAction('action.yml', actionYml)
  const evaluate = workflows.find(workflow => workflow.name === 'examples/workflows/evaluate.yml')!

  it('find every use of the action, in every example', () => {
    expect(workflows.map(workflow => workflow.name)).toEqual(
      expect.arrayContaining(['examples/workflows/evaluate.yml', '.github/workflows/ci.yml'])
    )
    expect(actionUsages(evaluate.name, evaluate.content)).toEqual([
      {
        where: expect.stringMatching(/^examples\/workflows\/evaluate\.yml:\d+$/),
        inputs: expect.arrayContaining(['command', 'model', 'version', 'tracking-uri', 'open-pr'])
      }
    ])
  })

  it('fail on a workflow error, an input the action does not declare and a required input not given', async () => {
    expect(
      await workflowProblems('broken.yml', evaluate.content.replace('runs-on: ubuntu-latest', 'runs-onn: x'))
    ).toEqual(expect.arrayContaining([expect.stringContaining("Unexpected value 'runs-onn'")]))
    expect(
      await workflowProblems('broken.yml', evaluate.content.replace('needs: validate', 'needs: validation'))
    ).not.toEqual([])
    const misspelt = evaluate.content.replace('tracking-uri:', 'tracking-url:')
    expect(inputProblems(action!, actionUsages('broken.yml', misspelt))).toEqual([
      expect.stringMatching(/^broken\.yml:\d+: `with: tracking-url` is not an input of action\.yml$/)
    ])
    const requiring = readAction(
      'requiring.yml',
      actionYml.replace(/( {2}model:\n(?: {4}.*\n)*? {4}required:) false/, '$1 true')
    )
    expect(requiring.problems).toEqual([])
    const withoutModel = evaluate.content.replace(/^ {10}model: .*\n/m, '')
    expect(inputProblems(requiring.action!, actionUsages('broken.yml', withoutModel))).toEqual([
      expect.stringMatching(/^broken\.yml:\d+: the required input `model` is not given$/)
    ])
    expect(inputProblems(requiring.action!, actionUsages(evaluate.name, evaluate.content))).toEqual([])
  })
})
