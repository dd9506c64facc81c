/** Edit distance (insert, delete, substitute), for "did you mean" hints. */
export function editDistance (a: string, b: string): number {
  let prev = Array.from({ length: b.length + 1 }, (_, j) => j)
  for (let i = 1; i <= a.length; i++) {
    const cur = [i]
    for (let j = 1; j <= b.length; j++) {
      const cost = a[i - 1] === b[j - 1] ? 0 : 1
      cur[j] = Math.min((prev[j] as number) + 1, (cur[j - 1] as number) + 1, (prev[j - 1] as number) + cost)
    }
    prev = cur
  }
  return prev[b.length] as number
}

/** The candidate nearest to `name`, if one is close enough to be a likely typo. */
export function closest (name: string, candidates: Iterable<string>): string | undefined {
  if (name.length > 64) return undefined
  const budget = Math.max(1, Math.floor(name.length / 3))
  let best: string | undefined
  let bestDistance = Infinity
  for (const candidate of candidates) {
    if (candidate === name || Math.abs(candidate.length - name.length) > budget) continue
    const d = editDistance(name, candidate)
    if (d <= budget && d < bestDistance) {
      best = candidate
      bestDistance = d
    }
  }
  return best
}
