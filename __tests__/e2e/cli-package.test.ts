import { describe, expect, it } from '@jest/globals'
import { execFileSync } from 'node:child_process'
import { existsSync, mkdtempSync, readdirSync, readFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { dirname, join, resolve } from 'node:path'

// The npm package: what `npm pack` puts in it, and that `npm install -g` of the tarball gives a working command
// without fetching anything (the bundle holds every runtime dependency, so the package declares none).
const root = resolve(import.meta.dirname, '../..')
const pkg = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8')) as {
  version: string
  dependencies?: Record<string, string>
}
// This test's Node (24) first, for npm and for the `#!/usr/bin/env node` of the installed command.
const PATH = `${dirname(process.execPath)}:${process.env.PATH}`

function npm(args: string[], cwd: string, home: string): string {
  return execFileSync('npm', args, {
    cwd,
    encoding: 'utf8',
    env: { PATH, HOME: home, npm_config_cache: join(home, 'npm-cache'), npm_config_update_notifier: 'false' },
    stdio: ['ignore', 'pipe', 'pipe']
  })
}

describe('the npm package', () => {
  it('declares no runtime dependency: the bundles hold them', () => {
    expect(pkg.dependencies ?? {}).toEqual({})
  })

  it('packs the bundles, the command, action.yml, the schema and the README; no sources or tests', () => {
    const home = mkdtempSync(join(tmpdir(), 'gate-pack-'))
    const [packed] = JSON.parse(npm(['pack', '--dry-run', '--json'], root, home)) as {
      files: { path: string }[]
    }[]
    const paths = packed.files.map(file => file.path).sort()
    for (const path of [
      'README.md',
      'action.yml',
      'bin/mlflow-promotion-gate.cjs',
      'dist/index.js',
      'dist/package.json',
      'dist/relay/index.js',
      'package.json',
      'schema/model-promotion.schema.json'
    ])
      expect(paths).toContain(path)
    // The chunks each command loads when it runs, without their source maps.
    const chunks = readdirSync(join(root, 'dist')).filter(name => /^\d+\.index\.js$/.test(name))
    expect(chunks.length).toBeGreaterThan(5)
    for (const chunk of chunks) expect(paths).toContain(`dist/${chunk}`)
    expect(paths.filter(path => path.endsWith('.map'))).toEqual([])
    for (const path of paths) {
      expect([
        path,
        /^(dist|bin|schema)\/|^(README\.md|LICENSE|action\.yml|package\.json)$/.test(path)
      ]).toEqual([path, true])
    }
  })

  it('installs globally from the tarball, offline, and runs', () => {
    const home = mkdtempSync(join(tmpdir(), 'gate-install-'))
    const [packed] = JSON.parse(npm(['pack', '--json', '--pack-destination', home], root, home)) as {
      filename: string
    }[]
    const prefix = join(home, 'prefix')
    npm(
      [
        'install',
        '--global',
        '--prefix',
        prefix,
        '--offline',
        '--no-audit',
        '--no-fund',
        join(home, packed.filename)
      ],
      home,
      home
    )
    const installed = join(prefix, 'lib/node_modules/mlflow-promotion-gate')
    expect(existsSync(join(installed, 'node_modules'))).toBe(false)
    const version = execFileSync(join(prefix, 'bin/mlflow-promotion-gate'), ['--tool-version'], {
      encoding: 'utf8',
      env: { PATH, HOME: home }
    })
    expect(version).toBe(`${pkg.version}\n`)
    const help = execFileSync(join(prefix, 'bin/mlflow-promotion-gate'), ['audit', '--help'], {
      encoding: 'utf8',
      env: { PATH, HOME: home }
    })
    expect(help).toContain('Usage: mlflow-promotion-gate audit [options]')
    const relayHelp = execFileSync(join(prefix, 'bin/mlflow-promotion-gate'), ['relay', '--help'], {
      encoding: 'utf8',
      env: { PATH, HOME: home }
    })
    expect(relayHelp).toContain('Usage: mlflow-promotion-gate relay [options]')
    // A serverless platform imports the relay's handler from the package.
    const exported = execFileSync(
      process.execPath,
      [
        '--input-type=module',
        '-e',
        "const m = await import('mlflow-promotion-gate/relay'); console.log(typeof m.createRelayHandler)"
      ],
      { encoding: 'utf8', cwd: join(prefix, 'lib'), env: { PATH, HOME: home } }
    )
    expect(exported).toBe('function\n')
  })
})
