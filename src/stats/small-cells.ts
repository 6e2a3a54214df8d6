/**
 * The small-cell rule with secondary suppression, for one column of people over the rows of a
 * breakdown (communes, months, associations, age bands…), whose total is published elsewhere.
 *
 * Primary: a cell derived from 1 to threshold−1 people is masked ("< 5": 0 stays 0, nobody is
 * singled out by a zero). Secondary: with the total known, one masked cell is the total minus the
 * visible ones; and what the marks say bounds the rest — a "< 5" cell holds 1 to 4, a secondary
 * ("masqué") cell 5 or more — so two "< 5" cells holding 8 are 4 and 4, and a "< 5" beside a
 * "masqué" holding 6 are 1 and 5. More cells are masked, smallest first, until at least two are,
 * they hold `threshold` people or more together, and every masked cell has at least two values
 * consistent with the total and those bounds. A table with too few people (every row masked and
 * still fixed by the total: 1 + 1, or 1 + 5) cannot be protected while its total is public: the
 * service then masks the rows' names too (`protects` is false).
 */
export function suppressedRows(populations: readonly number[], threshold: number): Set<number> {
  const masked = new Set<number>();
  populations.forEach((n, i) => {
    if (n > 0 && n < threshold) masked.add(i);
  });
  if (masked.size === 0) return masked;
  // the remaining cells, smallest first (then by position: the same rows every time)
  const candidates = populations
    .map((n, i) => [n, i] as const)
    .filter(([n, i]) => n > 0 && !masked.has(i))
    .sort((a, b) => a[0] - b[0] || a[1] - b[1]);
  for (const [, i] of candidates) {
    if (protects(populations, masked, threshold)) break;
    masked.add(i);
  }
  return masked;
}

/** The bounds a reader knows of a masked cell: "< 5" is 1 to threshold−1, "masqué" threshold or more. */
export function markBounds(population: number, threshold: number): [number, number] {
  return population < threshold ? [1, threshold - 1] : [threshold, Infinity];
}

/**
 * Whether the masked cells are safe together: two at least, `threshold` people at least, and no
 * cell whose value the sum and the marks' bounds fix.
 */
export function protects(
  populations: readonly number[],
  masked: Set<number>,
  threshold: number,
): boolean {
  if (masked.size < 2) return false;
  const cells = [...masked].map((i) => ({
    n: populations[i],
    b: markBounds(populations[i], threshold),
  }));
  const sum = cells.reduce((s, c) => s + c.n, 0);
  if (sum < threshold) return false;
  return cells.every((c, i) => {
    const others = cells.filter((_, j) => j !== i);
    const othersLow = others.reduce((s, o) => s + o.b[0], 0);
    const othersHigh = others.reduce((s, o) => s + o.b[1], 0); // Infinity with a secondary cell
    const lower = Math.max(c.b[0], sum - othersHigh);
    const upper = Math.min(c.b[1], sum - othersLow);
    return upper > lower;
  });
}
