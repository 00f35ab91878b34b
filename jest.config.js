// ESM + ts-jest. Run through `npm test` (scripts/test.mjs), which starts the MLflow servers the
// integration project needs, or `npm run test:unit` for the pure core alone.
const base = {
  extensionsToTreatAsEsm: ['.ts'],
  moduleFileExtensions: ['ts', 'js'],
  // src uses NodeNext-style './x.js' specifiers; map them back to the .ts files.
  moduleNameMapper: { '^(\\.{1,2}/.*)\\.js$': '$1' },
  testEnvironment: 'node',
  testPathIgnorePatterns: ['/dist/', '/node_modules/'],
  transform: {
    '^.+\\.ts$': ['ts-jest', { tsconfig: 'tsconfig.json', useESM: true }]
  }
}

/** @type {import('ts-jest').JestConfigWithTsJest} */
export default {
  verbose: true,
  // `npm run coverage`: what the in-process tests execute (the bundle's end-to-end runs are separate processes).
  collectCoverageFrom: ['src/**/*.ts', '!src/types/**', '!src/index.ts', '!src/cli-entry.ts'],
  coverageReporters: ['text-summary', 'json-summary'],
  // Per-project testTimeout is ignored by Jest 30; the slowest tests (the whole gate, end to end) need this.
  testTimeout: 120000,
  projects: [
    { ...base, displayName: 'unit', testMatch: ['<rootDir>/__tests__/unit/**/*.test.ts'] },
    {
      ...base,
      displayName: 'integration',
      testMatch: ['<rootDir>/__tests__/integration/**/*.test.ts'],
      testTimeout: 60000
    },
    {
      ...base,
      displayName: 'e2e',
      testMatch: ['<rootDir>/__tests__/e2e/**/*.test.ts'],
      testTimeout: 120000
    },
    {
      ...base,
      displayName: 'reliability',
      testMatch: ['<rootDir>/__tests__/reliability/**/*.test.ts']
    }
  ]
}
