// The reports are Markdown for GitHub (job summaries, pull-request bodies). On a terminal the CLI shows them as
// plain text instead: headings as lines, tables aligned, no escapes, entities or HTML, charts left out, and colour
// only when asked for. Pure; it reads the Markdown the reports write (src/report/, the commands' renderers).

export interface TextOptions {
  /** ANSI colours and bold (only on a terminal, and not with NO_COLOR). */
  color: boolean
}

const ANSI = {
  bold: ['\x1b[1m', '\x1b[22m'],
  italic: ['\x1b[3m', '\x1b[23m'],
  dim: ['\x1b[2m', '\x1b[22m'],
  red: ['\x1b[31m', '\x1b[39m'],
  green: ['\x1b[32m', '\x1b[39m'],
  yellow: ['\x1b[33m', '\x1b[39m']
} as const
type Style = keyof typeof ANSI

function paint(text: string, styles: Style[], options: TextOptions): string {
  if (!options.color || text === '') return text
  return styles.reduce((inner, style) => `${ANSI[style][0]}${inner}${ANSI[style][1]}`, text)
}

const ENTITIES: Record<string, string> = { lt: '<', gt: '>', amp: '&', quot: '"', apos: "'", nbsp: ' ' }

function entity(name: string): string | undefined {
  if (name.startsWith('#x') || name.startsWith('#X')) return codePoint(parseInt(name.slice(2), 16))
  if (name.startsWith('#')) return codePoint(parseInt(name.slice(1), 10))
  return ENTITIES[name]
}

function codePoint(value: number): string | undefined {
  return Number.isInteger(value) && value > 0 && value <= 0x10ffff ? String.fromCodePoint(value) : undefined
}

/** One line of Markdown inline text as terminal text. */
export function inlineText(markdown: string, options: TextOptions): string {
  let out = ''
  let bold = false
  let italic = false
  const open = (style: Style, on: boolean) => (options.color ? ANSI[style][on ? 0 : 1] : '')
  for (let i = 0; i < markdown.length; i++) {
    const char = markdown[i]
    const rest = markdown.slice(i)
    if (char === '\\' && /^\\[!-/:-@[-`{-~]/.test(rest)) {
      out += markdown[++i]
    } else if (char === '`') {
      const fence = /^`+/.exec(rest)![0]
      const end = markdown.indexOf(fence, i + fence.length)
      if (end === -1) {
        out += fence
        i += fence.length - 1
      } else {
        out += markdown.slice(i + fence.length, end).trim()
        i = end + fence.length - 1
      }
    } else if (rest.startsWith('**')) {
      bold = !bold
      out += open('bold', bold)
      i++
    } else if (char === '_' || char === '*') {
      italic = !italic
      out += open('italic', italic)
    } else if (char === '[') {
      const link = /^\[((?:\\.|[^\]\\])*)\]\(([^)\s]*)\)/.exec(rest)
      if (link === null) out += char
      else {
        const text = inlineText(link[1], options)
        const url = decodeUrl(link[2])
        out += url === '' || url === text ? text : `${text} ${paint(`(${url})`, ['dim'], options)}`
        i += link[0].length - 1
      }
    } else if (char === '<') {
      // HTML (`<details>`, `<summary>`): text written by the reports is escaped, so a `<` here is a tag.
      const tag = /^<\/?[a-zA-Z][^<>]*>/.exec(rest)
      if (tag === null) out += char
      else i += tag[0].length - 1
    } else if (char === '&') {
      const ref = /^&(#?[\w]+);/.exec(rest)
      const decoded = ref === null ? undefined : entity(ref[1])
      if (decoded === undefined) out += char
      else {
        out += decoded
        i += ref![0].length - 1
      }
    } else if (char === '\u200b') {
      // The zero-width space that keeps GitHub from turning `@name` into a mention.
    } else {
      out += char
    }
  }
  if (bold) out += open('bold', false)
  if (italic) out += open('italic', false)
  return out
}

/** safeUrl() percent-encodes a few characters so a URL fits in Markdown; a terminal shows them as they are. */
function decodeUrl(url: string): string {
  return url.replace(/%(2[0278]|29|3C|3E|5C|60)/gi, (_, hex: string) =>
    String.fromCharCode(parseInt(hex, 16))
  )
}

// eslint-disable-next-line no-control-regex -- the escape character is what an ANSI colour code starts with
const ESCAPES = /\x1b\[[0-9;]*m/g

/** Text without its ANSI colour codes. */
export function withoutColor(text: string): string {
  return text.replace(ESCAPES, '')
}

/** Columns a string takes on a terminal: wide characters and emoji take two, combining marks none. */
export function displayWidth(text: string): number {
  let width = 0
  for (const char of withoutColor(text)) {
    const code = char.codePointAt(0)!
    // Combining marks, variation selectors (Mn) and zero-width characters (Cf) take no column.
    if (/[\p{Mn}\p{Me}\p{Cf}]/u.test(char)) continue
    if (/\p{Emoji_Presentation}/u.test(char) || isWide(code)) width += 2
    else width += 1
  }
  // A symbol asked to look like an emoji (⚠️, ℹ️: a variation selector 16 after it) takes two columns too.
  for (const match of text.matchAll(/([^\ufe0f])\ufe0f/gu)) {
    if (!/\p{Emoji_Presentation}/u.test(match[1]) && !isWide(match[1].codePointAt(0)!)) width += 1
  }
  return width
}

function isWide(code: number): boolean {
  return (
    (code >= 0x1100 && code <= 0x115f) ||
    (code >= 0x2e80 && code <= 0xa4cf) ||
    (code >= 0xac00 && code <= 0xd7a3) ||
    (code >= 0xf900 && code <= 0xfaff) ||
    (code >= 0xfe30 && code <= 0xfe4f) ||
    (code >= 0xff00 && code <= 0xff60) ||
    (code >= 0xffe0 && code <= 0xffe6) ||
    (code >= 0x20000 && code <= 0x3fffd)
  )
}

function padTo(text: string, width: number): string {
  return text + ' '.repeat(Math.max(0, width - displayWidth(text)))
}

/** Splits `| a | b |` into its cells; `\|` inside a cell is text. */
function tableCells(line: string): string[] {
  const inner = line.trim().replace(/^\|/, '').replace(/\|$/, '')
  return inner.split(/(?<!\\)\|/).map(cell => cell.trim())
}

function renderTable(lines: string[], options: TextOptions): string[] {
  const [header, , ...body] = lines.map(tableCells)
  const rows = body.map(cells => cells.map(cell => inlineText(cell, options)))
  const heads = (header ?? []).map(cell => inlineText(cell, { color: false }))
  const count = Math.max(heads.length, ...rows.map(row => row.length))
  // A column empty in every row says nothing on a terminal (e.g. no champion to compare with).
  const kept = [...Array(count).keys()].filter(column => rows.some(row => (row[column] ?? '') !== ''))
  const widths = kept.map(column =>
    Math.max(displayWidth(heads[column] ?? ''), ...rows.map(row => displayWidth(row[column] ?? '')))
  )
  const line = (cells: string[]) =>
    kept
      .map((column, index) => padTo(cells[column] ?? '', widths[index]))
      .join('  ')
      .trimEnd()
  const out: string[] = []
  if (heads.some(head => head !== '')) {
    out.push(
      line(heads.map(head => paint(head, ['bold'], options))),
      widths.map(width => '─'.repeat(width)).join('  ')
    )
  }
  out.push(...rows.map(line))
  return out
}

function headingStyles(text: string): Style[] {
  if (text.includes('❌')) return ['bold', 'red']
  if (text.includes('⚠')) return ['bold', 'yellow']
  if (text.includes('✅')) return ['bold', 'green']
  return ['bold']
}

/** A Mermaid chart cannot be drawn on a terminal: one line says what it showed. */
function chartLine(body: string[], options: TextOptions): string {
  const title = /^\s*title\s+"(.*)"\s*$/.exec(body.find(line => /^\s*title\s/.test(line)) ?? '')?.[1]
  const what = title === undefined ? 'a chart' : `a chart of ${title}`
  return paint(`(${what}: shown in the Markdown report, --format markdown)`, ['dim'], options)
}

/** A Markdown report as terminal text. */
export function markdownToText(markdown: string, options: TextOptions): string {
  const lines = markdown.replace(/\r\n?/g, '\n').split('\n')
  const out: string[] = []
  const blank = () => {
    if (out.length > 0 && out[out.length - 1] !== '') out.push('')
  }
  for (let i = 0; i < lines.length; i++) {
    const line = lines[i]
    const fence = /^\s*(`{3,}|~{3,})\s*([\w-]*)/.exec(line)
    if (fence !== null) {
      const end = lines.findIndex((candidate, index) => index > i && candidate.trim() === fence[1])
      const stop = end === -1 ? lines.length : end
      const body = lines.slice(i + 1, stop)
      if (fence[2] === 'mermaid') out.push(chartLine(body, options))
      else out.push(...body.map(code => `    ${code}`))
      i = stop
      continue
    }
    if (line.trim().startsWith('|')) {
      const block: string[] = []
      while (i < lines.length && lines[i].trim().startsWith('|')) block.push(lines[i++])
      i--
      out.push(...renderTable(block, options))
      continue
    }
    const heading = /^(#{1,6})\s+(.*?)\s*#*\s*$/.exec(line)
    if (heading !== null) {
      blank()
      const text = inlineText(heading[2], { color: false })
      out.push(paint(text, headingStyles(text), options))
      if (heading[1].length <= 2) out.push('═'.repeat(displayWidth(text)))
      continue
    }
    const summary = /^\s*<details>\s*<summary>(.*)<\/summary>\s*$/.exec(line)
    if (summary !== null) {
      out.push(paint(inlineText(summary[1], { color: false }), ['bold'], options))
      continue
    }
    if (/^\s*<\/?details>\s*$/.test(line)) continue
    const quote = /^\s*>\s?(.*)$/.exec(line)
    if (quote !== null) {
      out.push(`  ${inlineText(quote[1], options)}`)
      continue
    }
    if (line.trim() === '') {
      blank()
      continue
    }
    // `**Model version** … · **Run** … · **Champion** …`: one labelled fact a line reads better on a terminal.
    for (const part of line.split(/ · (?=\*\*)/)) out.push(inlineText(part, options).trimEnd())
  }
  while (out.length > 0 && out[out.length - 1] === '') out.pop()
  return `${out.join('\n')}\n`
}
