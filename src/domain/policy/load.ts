import { FileProblemsError, parseYamlFile } from '../yaml-file.js'
import { PolicySchema, RULE_KINDS, type Policy } from './schema.js'

export { FileProblemsError as PolicyError }

const MAX_POLICY_BYTES = 256 * 1024

/** Parses and validates a policy; throws FileProblemsError with positions for every problem found. */
export function parsePolicy(text: string, file: string): Policy {
  return parseYamlFile(text, file, {
    schema: PolicySchema,
    what: 'policy',
    maxBytes: MAX_POLICY_BYTES,
    unionKinds: RULE_KINDS
  })
}
