// The tool's own version, from package.json: bundled into the CLI's chunk of dist/ at build time, so the bundle
// needs no package.json beside it.
import packageJson from '../package.json' with { type: 'json' }

export const TOOL_VERSION: string = packageJson.version
