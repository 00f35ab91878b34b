// The tool's own version, from package.json: bundled into dist/cli/index.js at build time, so the bundle needs no
// package.json beside it.
import packageJson from '../package.json' with { type: 'json' }

export const TOOL_VERSION: string = packageJson.version
