import { describe, expect, it } from '@jest/globals'
import { userInfo } from 'node:os'
import { operatorOutsideActions } from '../../src/operator.js'

describe('who runs a command outside GitHub Actions', () => {
  it('takes --actor first, then the CI system’s variable, then the OS user, and says which', () => {
    const ci = { GITLAB_USER_LOGIN: 'gitlab-dave', BUILD_USER_ID: 'jenkins-erin' }
    expect(operatorOutsideActions('alice', ci)).toBe('alice (--actor)')
    expect(operatorOutsideActions('  ', ci)).toBe('gitlab-dave (GITLAB_USER_LOGIN)')
    expect(operatorOutsideActions(undefined, { BUILD_USER_ID: 'jenkins-erin' })).toBe(
      'jenkins-erin (BUILD_USER_ID)'
    )
    expect(operatorOutsideActions(undefined, { CIRCLE_USERNAME: ' ' })).toBe(
      `${userInfo().username} (OS user)`
    )
  })
})
