// Registry-provided text (model names, tags, metric keys, run names) ends up in Markdown that GitHub renders in
// job summaries, PR bodies and comments. Everything here makes such text inert: no markup, no HTML, no @mention.

const MARKDOWN_SPECIAL = /[\\`*_[\]()#!|~<>&]/g
const ENTITIES: Record<string, string> = { '<': '&lt;', '>': '&gt;', '&': '&amp;' }

/** Text shown literally in a paragraph, heading or table cell. */
export function escapeMarkdown(text: string): string {
  return text
    .replace(/[\r\n\u2028\u2029]+/g, ' ')
    .replace(MARKDOWN_SPECIAL, char => ENTITIES[char] ?? `\\${char}`)
    .replace(/@/g, '@\u200b') // a zero-width space after @ keeps GitHub from turning it into a mention
}

/** A URL safe to put inside Markdown link parentheses. */
export function safeUrl(url: string): string {
  return url.replace(
    /[()<>\s"'`\\]/g,
    char => `%${char.charCodeAt(0).toString(16).toUpperCase().padStart(2, '0')}`
  )
}

export function link(text: string, url: string | undefined): string {
  return url === undefined ? escapeMarkdown(text) : `[${escapeMarkdown(text)}](${safeUrl(url)})`
}

export function table(header: string[], rows: string[][]): string {
  const line = (cells: string[]) => `| ${cells.join(' | ')} |`
  return [line(header), line(header.map(() => '---')), ...rows.map(line)].join('\n')
}

/** Text inside a fenced code block: only a run of backticks could end the block early. */
export function codeFence(language: string, body: string): string {
  const longest = Math.max(2, ...[...body.matchAll(/`+/g)].map(match => match[0].length))
  const fence = '`'.repeat(longest + 1)
  return `${fence}${language}\n${body}\n${fence}`
}

export const GITHUB_SUMMARY_LIMIT = 1024 * 1024

/** Cuts Markdown to fit a limit (GitHub takes at most 1 MiB per job summary), saying that it did. */
export function fitMarkdown(text: string, limit = GITHUB_SUMMARY_LIMIT - 1024): string {
  if (Buffer.byteLength(text, 'utf8') <= limit) return text
  const note =
    '\n\n_The report was cut here: it is longer than GitHub accepts. The `result` output has it all._\n'
  let cut = text.slice(0, limit - note.length)
  while (Buffer.byteLength(cut, 'utf8') > limit - note.length) cut = cut.slice(0, -1024)
  return cut.slice(0, cut.lastIndexOf('\n')) + note
}
