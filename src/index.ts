import * as core from '@actions/core'
import { malformedEventPayload } from './github/event.js'

// @actions/github parses the event payload when it is loaded, and crashes on a malformed file with a stack trace:
// check the file first, and load the action (which uses @actions/github) only when it is sound.
const malformed = malformedEventPayload(process.env)
if (malformed !== undefined) {
  core.setFailed(malformed)
} else {
  const { run } = await import(/* webpackMode: "eager" */ './main.js')
  await run()
}
