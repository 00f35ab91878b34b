import { appendFileSync } from 'node:fs'
import { dirname, join } from 'node:path'

/**
 * Writes a figure a reliability test measured (cases tried, writes cut) next to the servers' manifest; the test
 * command prints them all at the end, and RELIABILITY.md quotes them.
 */
export function recordFigure(name: string, value: number | string): void {
  const manifest = process.env.PROMOTION_GATE_SERVERS
  if (manifest === undefined) return
  appendFileSync(join(dirname(manifest), 'figures.jsonl'), `${JSON.stringify({ name, value })}\n`)
}
