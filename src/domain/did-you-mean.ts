// "Did you mean …?" for a mistyped name (a policy key, a CLI option or command). Pure.

/**
 * The optimal-string-alignment distance: insertions, deletions, substitutions and swaps of two neighbouring
 * characters each count 1, so `mni` is 1 from `min` and `dry-rn` is 1 from `dry-run`. Case is ignored.
 */
export function editDistance(a: string, b: string): number {
  const s = [...a.toLowerCase()]
  const t = [...b.toLowerCase()]
  // d[i][j]: the distance between the first i characters of s and the first j of t.
  const d: number[][] = Array.from({ length: s.length + 1 }, (_, i) =>
    Array.from({ length: t.length + 1 }, (_, j) => (i === 0 ? j : j === 0 ? i : 0))
  )
  for (let i = 1; i <= s.length; i++) {
    for (let j = 1; j <= t.length; j++) {
      const cost = s[i - 1] === t[j - 1] ? 0 : 1
      d[i][j] = Math.min(d[i - 1][j] + 1, d[i][j - 1] + 1, d[i - 1][j - 1] + cost)
      if (i > 1 && j > 1 && s[i - 1] === t[j - 2] && s[i - 2] === t[j - 1]) {
        d[i][j] = Math.min(d[i][j], d[i - 2][j - 2] + 1)
      }
    }
  }
  return d[s.length][t.length]
}

/**
 * The candidate closest to `word`, when it is close enough to be what was meant: at most one edit for words of up
 * to five characters, two up to eight, three beyond (and always fewer edits than the word has characters). Ties go
 * to the candidate listed first. Undefined when nothing is that close.
 */
export function closestName(word: string, candidates: Iterable<string>): string | undefined {
  const length = [...word].length
  const allowed = Math.min(length <= 5 ? 1 : length <= 8 ? 2 : 3, length - 1)
  let best: string | undefined
  let bestDistance = Infinity
  for (const candidate of candidates) {
    if (candidate === word) continue
    const distance = editDistance(word, candidate)
    if (distance <= allowed && distance < bestDistance) {
      best = candidate
      bestDistance = distance
    }
  }
  return best
}
