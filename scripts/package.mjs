// `npm run package`: one ncc build of src/index.ts into dist/ (the action and, through bin/, the CLI), one of the
// webhook relay into dist/relay/, then every chunk minified. ncc minifies only the entry file; the chunks it splits
// off at each `import()` (one per command, the GitHub client, the CLI) come out as written, so terser minifies them
// here, keeping their source maps.
import { execFileSync } from 'node:child_process'
import { readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { join, resolve } from 'node:path'
import { minify } from 'terser'

const root = resolve(import.meta.dirname, '..')
const dist = join(root, 'dist')

/** One ncc build: minified entry, source maps beside it, the licences of what it bundles. */
function nccBuild(entry, outDir) {
  execFileSync(
    process.execPath,
    [
      join(root, 'node_modules/@vercel/ncc/dist/ncc/cli.js'),
      'build',
      entry,
      '-o',
      outDir,
      '-m',
      '--source-map',
      '--no-source-map-register',
      '--license',
      'licenses.txt'
    ],
    { cwd: root, stdio: 'inherit' }
  )
}

rmSync(dist, { recursive: true, force: true })
nccBuild('src/index.ts', 'dist')
// The webhook relay: a program of its own (a server, or a handler a serverless platform imports), built apart so
// that neither bundle carries the other's code.
nccBuild('src/relay/index.ts', 'dist/relay')

const chunks = readdirSync(dist).filter(name => /^\d+\.index\.js$/.test(name))
if (chunks.length === 0) throw new Error('ncc wrote no chunks: every import() was inlined?')
for (const name of chunks) {
  const file = join(dist, name)
  const result = await minify(readFileSync(file, 'utf8'), {
    module: true,
    compress: { passes: 1 },
    mangle: true,
    sourceMap: { content: readFileSync(`${file}.map`, 'utf8'), filename: name, url: `${name}.map` },
    format: { comments: false }
  })
  if (result.code === undefined) throw new Error(`terser produced nothing for ${name}`)
  writeFileSync(file, result.code)
  writeFileSync(`${file}.map`, String(result.map))
}
const bytes = [...chunks, 'index.js'].reduce((sum, name) => sum + readFileSync(join(dist, name)).length, 0)
console.log(
  `dist/: index.js and ${chunks.length} chunks minified, ${(bytes / 1024).toFixed(0)} kB of JavaScript`
)
