// The commands speak of action inputs ("input `reason`", "`open-pr: false`", "the `policy` input"); the CLI shows
// the same messages with its flags (`--reason`, `--no-open-pr`, `--policy`). Pure; the action's wording is untouched.

export interface Flag {
  /** The input's name, which is the flag's: `open-pr` is `--open-pr` / `--no-open-pr`. */
  name: string
  kind: 'string' | 'boolean'
}

// One pass, so a replaced part is never looked at again. The groups:
//   1 `set ` before any of the forms (then said "give")
//   2 "input `name`", "the input `name`", "Input `name`"
//   3 "the `name` input"
//   4, 5 "`name: value`", a setting as a workflow writes it
//   6 a bare "`name-with-hyphens`": only input names look like that (policy keys use underscores)
const INPUT_WORDS =
  /(\b[Ss]et )?(?:(?:\b[Tt]he )?\b[Ii]nput `([\w-]+)`|\b[Tt]he `([\w-]+)` input\b|`([\w-]+): ([^`\n]*)`|`(\w+(?:-\w+)+)`)/g

/** Phrases that hold only in a workflow, in the CLI's words. */
const WORKFLOW_PHRASES: [string, string][] = [['`${{ github.token }}`', '$GITHUB_TOKEN']]

function shellWord(value: string): string {
  return /^[\w./:@%+=,-]+$/.test(value) ? value : `"${value.replace(/(["\\$`])/g, '\\$1')}"`
}

/** `message` with every action input it names (among `flags`) said as the CLI flag. */
export function cliWords(message: string, flags: readonly Flag[]): string {
  const kinds = new Map(flags.map(flag => [flag.name, flag.kind]))
  let text = message
  for (const [workflow, cli] of WORKFLOW_PHRASES) text = text.replaceAll(workflow, cli)
  return text.replace(
    INPUT_WORDS,
    (
      match: string,
      set: string | undefined,
      input: string | undefined,
      theInput: string | undefined,
      setting: string | undefined,
      value: string | undefined,
      bare: string | undefined
    ) => {
      const name = input ?? theInput ?? setting ?? bare ?? ''
      const kind = kinds.get(name)
      if (kind === undefined) return match
      let flag = `--${name}`
      if (setting !== undefined) {
        const given = (value ?? '').trim()
        if (kind === 'boolean' && given === 'false') flag = `--no-${name}`
        else if (kind === 'boolean' && given === 'true') flag = `--${name}`
        else flag = `--${name} ${shellWord(given)}`
      }
      return set === undefined ? flag : `${set[0] === 'S' ? 'Give' : 'give'} ${flag}`
    }
  )
}
