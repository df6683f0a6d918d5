/** Levenshtein distance between two short strings. */
export function editDistance(a: string, b: string): number {
  const prev = Array.from({ length: b.length + 1 }, (_, j) => j);
  for (let i = 1; i <= a.length; i++) {
    let diag = prev[0];
    prev[0] = i;
    for (let j = 1; j <= b.length; j++) {
      const up = prev[j];
      prev[j] = Math.min(prev[j] + 1, prev[j - 1] + 1, diag + (a[i - 1] === b[j - 1] ? 0 : 1));
      diag = up;
    }
  }
  return prev[b.length];
}

/** The candidate closest to `name` if it is a plausible typo (distance <= max(1, len/3)), else null. */
export function closest(name: string, candidates: readonly string[]): string | null {
  let best: string | null = null;
  let bestD = Infinity;
  for (const c of candidates) {
    const d = editDistance(name.toLowerCase(), c.toLowerCase());
    if (d < bestD) [best, bestD] = [c, d];
  }
  return best !== null && bestD <= Math.max(1, Math.floor(name.length / 3)) ? best : null;
}

/** "unknown pruner 'snp'" plus a hint "did you mean 'snip'? known: ...". */
export function unknownNameHint(kind: string, name: string, known: readonly string[]): { message: string; hint: string } {
  const near = closest(name, known);
  return {
    message: `unknown ${kind} '${name}'`,
    hint: `${near ? `did you mean '${near}'? ` : ''}known ${kind}s: ${known.join(', ')}`,
  };
}
