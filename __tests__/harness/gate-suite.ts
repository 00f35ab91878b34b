import { afterAll, afterEach, beforeAll } from '@jest/globals'
import { GateWorld } from './gate-world.js'
import type { TestServer } from './servers.js'

/**
 * A GateWorld for the enclosing describe block: started before its tests, stopped after, and after each test the
 * GitHub stand-in must have seen no request or response that breaks GitHub's OpenAPI description.
 */
export function useGateWorld(server: TestServer): GateWorld {
  const world = new GateWorld(server)
  beforeAll(() => world.start())
  afterAll(() => world.stop())
  afterEach(() => world.github.assertNoViolations())
  return world
}
