// Types of test-ca.mjs, for the TypeScript test harness.
export function makeTestCertificates(
  dir: string,
  names: string[]
): { caFile: string; keyFile: string; certFile: string }
