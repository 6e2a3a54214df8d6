/**
 * The small-cell rule with secondary suppression, for one column of people over the rows of a
 * breakdown (communes, months, associations, age bands…), whose total is published elsewhere.
 *
 * Primary: a cell derived from 1 to threshold−1 people is masked (0 stays 0: nobody is singled
 * out by a zero). Secondary: with the total known, one masked cell is the total minus the visible
 * ones, and masked cells of one person each are known from their sum (2 can only be 1 + 1, five
 * masked cells holding 5 are five ones); so more cells are masked, smallest first, until at least
 * two are masked, together they hold at least `threshold` people, and more people than cells.
 * What is then known of each masked cell is a range, never a value. The one table this cannot
 * protect is one whose every person-bearing row holds exactly one person (all rows are masked,
 * and the total says they are ones): its rows do not say who.
 */
export function suppressedRows(populations: readonly number[], threshold: number): Set<number> {
  const masked = new Set<number>();
  populations.forEach((n, i) => {
    if (n > 0 && n < threshold) masked.add(i);
  });
  if (masked.size === 0) return masked;
  const sum = () => [...masked].reduce((s, i) => s + populations[i], 0);
  // the remaining cells, smallest first (then by position: the same rows every time)
  const candidates = populations
    .map((n, i) => [n, i] as const)
    .filter(([n, i]) => n > 0 && !masked.has(i))
    .sort((a, b) => a[0] - b[0] || a[1] - b[1]);
  for (const [, i] of candidates) {
    const held = sum();
    if (masked.size >= 2 && held >= threshold && held > masked.size) break;
    masked.add(i);
  }
  return masked;
}
