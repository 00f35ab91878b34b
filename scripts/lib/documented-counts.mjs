// The case counts README.md and RELIABILITY.md state for the reliability suites, checked against a full test run's
// results, so the documents never promise more (or less) than the suites hold.
import { readFileSync } from 'node:fs'
import { join } from 'node:path'

/** Each claim: a document, a pattern whose first group is the number, and the test files it counts. */
const CLAIMS = [
  { doc: 'README.md', pattern: /(\d+) bad inputs/, files: ['bad-input.test.ts'] },
  { doc: 'RELIABILITY.md', pattern: /registry responses, names \| (\d+) \|/, files: ['bad-input.test.ts'] },
  { doc: 'RELIABILITY.md', pattern: /bad-input\.test\.ts` \((\d+) cases\)/, files: ['bad-input.test.ts'] },
  { doc: 'README.md', pattern: /(\d+) attacks by a/, files: ['adversary.test.ts'] },
  { doc: 'RELIABILITY.md', pattern: /\| (\d+) end-to-end attacks/, files: ['adversary.test.ts'] },
  { doc: 'RELIABILITY.md', pattern: /races\.test\.ts` \(.*: (\d+) cases\)/, files: ['races.test.ts'] },
  { doc: 'RELIABILITY.md', pattern: /promote × archive.* = (\d+) \|/, files: ['races.test.ts'] },
  { doc: 'RELIABILITY.md', pattern: /a server restart \| (\d+) scenarios/, files: ['faults.test.ts'] }
]

/** The claims that disagree with the results (Jest's --json output), in words; empty when all hold. */
export function documentedCountProblems(root, results) {
  const count = file =>
    results.testResults
      .filter(result => result.name.endsWith(`/${file}`))
      .reduce((sum, result) => sum + result.assertionResults.length, 0)
  const problems = []
  for (const claim of CLAIMS) {
    const text = readFileSync(join(root, claim.doc), 'utf8')
    const match = claim.pattern.exec(text)
    const actual = claim.files.reduce((sum, file) => sum + count(file), 0)
    if (match === null)
      problems.push(`${claim.doc} no longer states the count ${claim.pattern} of ${claim.files}`)
    else if (Number(match[1]) !== actual)
      problems.push(`${claim.doc} says ${match[0]}, but ${claim.files.join(', ')} holds ${actual}`)
  }
  return problems
}
