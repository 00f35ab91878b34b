#!/usr/bin/env node
/* eslint-disable @typescript-eslint/no-require-imports */
// The `mlflow-promotion-gate` command. The bundle (dist/index.js, shared with the action) needs Node.js 22.19 or
// later (its GitHub client brings undici 8, which uses APIs older versions lack, and dies with a TypeError on them),
// so this file checks the version first and says in one line what is needed. It must run on any Node.js: CommonJS,
// ES5 syntax, no import. It marks the process as the CLI (a global the bundle reads) and loads the bundle.
'use strict'

var version = process.versions.node
var parts = version.split('.')
var major = parseInt(parts[0], 10)
var minor = parseInt(parts[1], 10)
// 22.19+ (22 LTS) or 24+; 23 is left out, it never had everything 22.19 has.
var supported = major === 22 ? minor >= 19 : major >= 24

if (!supported) {
  process.stderr.write(
    'mlflow-promotion-gate needs Node.js 22.19 or later (22 LTS, or 24 and later); this is Node.js ' +
      version +
      ' (' +
      process.execPath +
      ').\n'
  )
  process.exitCode = 2
} else {
  var path = require('path')
  var url = require('url')
  // Through Function, so that Node.js versions too old to parse `import()` can still read this file.
  var load = new Function('specifier', 'return import(specifier)')
  var loaded
  if (process.argv[2] === 'relay') {
    // The webhook relay is a program of its own, with its own bundle.
    var relay = url.pathToFileURL(path.join(__dirname, '..', 'dist', 'relay', 'index.js')).href
    loaded = load(relay).then(function (module) {
      return module.runRelayCli(process.argv.slice(3))
    })
  } else {
    var bundle = url.pathToFileURL(path.join(__dirname, '..', 'dist', 'index.js')).href
    globalThis[Symbol.for('mlflow-promotion-gate.cli')] = true
    loaded = load(bundle)
  }
  loaded.catch(function (error) {
    process.stderr.write(
      'mlflow-promotion-gate: ' + (error && error.stack ? error.stack : String(error)) + '\n'
    )
    process.exitCode = 1
  })
}
