// Near-miss names for option keys and order fields: used by the options reader and by order
// validation alike, so it lives below both.

/** " (did you mean 'x'?)" for a near miss, e.g. snake_case blockpaca names */
export function suggest(key: string, known: readonly string[]): string {
  if (key.length > 64) return '';
  const norm = (s: string) => s.toLowerCase().replace(/[_-]/g, '');
  const hit =
    known.find((k) => norm(k) === norm(key)) ??
    known.find((k) => editDistance(k.toLowerCase(), key.toLowerCase()) <= 2);
  return hit ? ` (did you mean '${hit}'?)` : '';
}

function editDistance(a: string, b: string): number {
  const row = Array.from({ length: b.length + 1 }, (_, j) => j);
  for (let i = 1; i <= a.length; i++) {
    let diag = row[0];
    row[0] = i;
    for (let j = 1; j <= b.length; j++) {
      const up = row[j];
      row[j] = Math.min(row[j] + 1, row[j - 1] + 1, diag + (a[i - 1] === b[j - 1] ? 0 : 1));
      diag = up;
    }
  }
  return row[b.length];
}
