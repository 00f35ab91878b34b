import type { PromotionRecord } from './record.js'

/** One check of the gate at merge (or of verify): its name, whether it held, and why, in words. */
export interface CheckResult {
  check: string
  passed: boolean
  detail: string
}

/** Where a pull request goes: merged into (or, open, aimed at) the default branch. */
export function targetCheck(
  pull: { baseRef: string; merged: boolean },
  defaultBranch: string,
  merged: boolean
): CheckResult {
  const onDefault = pull.baseRef === defaultBranch
  const elsewhere = onDefault ? '' : `, not the default branch ${defaultBranch}`
  if (merged) {
    return {
      check: 'merged into the default branch',
      passed: pull.merged && onDefault,
      detail: pull.merged ? `merged into ${pull.baseRef}${elsewhere}` : 'not merged'
    }
  }
  return {
    check: 'targets the default branch',
    passed: onDefault,
    detail: `base branch ${pull.baseRef}${elsewhere}`
  }
}

/** Where a pull request comes from: a branch of this repository, never a fork. */
export function originCheck(pull: { headRepo?: string; headRef: string }, fullName: string): CheckResult {
  const same = pull.headRepo === fullName
  return {
    check: 'comes from this repository',
    passed: same,
    detail: same
      ? `branch ${pull.headRef} of ${fullName}`
      : `head branch lives in ${pull.headRepo ?? 'a deleted repository'} (pull requests from forks are never promoted)`
  }
}

/** The approvals are for the head commit; the registry follows the merge commit: they must hold the same record. */
export function mergedRecordCheck(
  file: string,
  atMerge: { sha: string; content: string },
  atHead: { sha: string; content: string | undefined }
): CheckResult {
  const same = atHead.content !== undefined && atHead.content === atMerge.content
  return {
    check: 'merged record is the approved one',
    passed: same,
    detail: same
      ? `${file} at the merge commit equals ${file} at the approved head ${atHead.sha.slice(0, 7)}`
      : `${file} at the merge commit ${atMerge.sha.slice(0, 7)} differs from ${file} at the approved head ${atHead.sha.slice(0, 7)}`
  }
}

/** A record in its own file (the one its model names) for a model the policy covers. */
export function recordValidityCheck(
  record: PromotionRecord,
  file: string,
  expectedPath: string,
  covered: boolean
): CheckResult {
  const passed = expectedPath === file && covered
  const detail =
    expectedPath !== file
      ? `the record names model "${record.model}", whose record file is ${expectedPath}, not ${file}`
      : !covered
        ? `the policy has no entry for model "${record.model}"`
        : `model ${record.model}: production ${record.production.map(e => `v${e.version}${e.traffic === undefined ? '' : ` (${e.traffic}%)`}`).join(', ')}`
  return { check: 'record is valid', passed, detail }
}

/** One production version unless the policy's strategy is A/B. */
export function strategyCheck(strategy: 'replace' | 'ab', versions: number): CheckResult {
  const passed = strategy === 'ab' || versions === 1
  return {
    check: 'matches the policy’s strategy',
    passed,
    detail: passed
      ? `strategy ${strategy}`
      : `the policy's strategy is replace, but the record lists ${versions} production versions`
  }
}
