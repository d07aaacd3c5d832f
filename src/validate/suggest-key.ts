// Optimal string alignment distance: insertions, deletions, substitutions and adjacent transpositions.
// Three rolling rows: a file with 50,000 unknown keys asks for 300,000 distances.
function distance(a: string, b: string): number {
  let before = new Int32Array(b.length + 1);
  let previous = Int32Array.from({ length: b.length + 1 }, (_, j) => j);
  let current = new Int32Array(b.length + 1);
  for (let i = 1; i <= a.length; i += 1) {
    current[0] = i;
    for (let j = 1; j <= b.length; j += 1) {
      const cost = a[i - 1] === b[j - 1] ? 0 : 1;
      let best = Math.min((previous[j] ?? 0) + 1, (current[j - 1] ?? 0) + 1, (previous[j - 1] ?? 0) + cost);
      if (i > 1 && j > 1 && a[i - 1] === b[j - 2] && a[i - 2] === b[j - 1])
        best = Math.min(best, (before[j - 2] ?? 0) + 1);
      current[j] = best;
    }
    [before, previous, current] = [previous, current, before];
  }
  return previous[b.length] ?? 0;
}

/** The known key a typo most likely meant (case-insensitive; 1 edit for short keys, 2 for longer ones). */
export function suggestKey(unknown: string, known: readonly string[]): string | undefined {
  let best: { key: string; score: number } | undefined;
  const lower = unknown.toLowerCase();
  for (const key of known) {
    const limit = key.length <= 4 ? 1 : 2;
    // The distance is at least the difference in length: skip the table for hopeless candidates.
    if (Math.abs(key.length - unknown.length) > limit) continue;
    const score = distance(lower, key.toLowerCase());
    if (score <= limit && (best === undefined || score < best.score)) best = { key, score };
  }
  return best?.key;
}
