import { markBounds, protects, suppressedRows } from './small-cells';

const T = 5;

/**
 * What an attacker can deduce of each masked cell, knowing the visible cells, the total and what
 * each mark says ("< 5": 1 to 4; "masqué": 5 or more): the possible values of each masked cell, by
 * brute force over every assignment consistent with what is published.
 */
function possibleValues(populations: number[], masked: Set<number>): Map<number, Set<number>> {
  const total = populations.reduce((s, n) => s + n, 0);
  const visible = populations.reduce((s, n, i) => (masked.has(i) ? s : s + n), 0);
  const hidden = [...masked];
  const out = new Map(hidden.map((i) => [i, new Set<number>()]));
  const walk = (k: number, left: number, chosen: number[]) => {
    if (k === hidden.length) {
      if (left === 0) chosen.forEach((v, j) => out.get(hidden[j])!.add(v));
      return;
    }
    const [low, high] = markBounds(populations[hidden[k]], T);
    for (let v = low; v <= Math.min(left, high); v++) walk(k + 1, left - v, [...chosen, v]);
  };
  walk(0, total - visible, []);
  return out;
}

describe('small cells: primary and secondary suppression', () => {
  it('masks nothing when every cell has 0 or at least 5 people (0 is shown as 0)', () => {
    expect([...suppressedRows([0, 5, 12, 0, 40], T)]).toEqual([]);
  });

  it('masks a small cell and the next smallest, so that the total does not give it back', () => {
    expect([...suppressedRows([3, 40, 7, 12], T)].sort()).toEqual([0, 2]);
  });

  it('adds cells until the masked ones hold at least 5 people: 1 + 1 is not enough', () => {
    const masked = suppressedRows([1, 1, 30, 6, 9], T);
    expect([...masked].sort()).toEqual([0, 1, 3]);
  });

  it('does not stop where the marks fix the values: "< 5" + "< 5" holding 8, "< 5" + "masqué" holding 6', () => {
    expect([...suppressedRows([4, 4, 100, 200], T)].sort()).toEqual([0, 1, 2]);
    expect([...suppressedRows([1, 5, 100, 200], T)].sort()).toEqual([0, 1, 2]);
  });

  it('does not stop at masked cells of one person each: their sum would give them back', () => {
    expect([...suppressedRows([1, 1, 1, 1, 1, 40, 60], T)].sort()).toEqual([0, 1, 2, 3, 4, 5]);
  });

  it('never lets a masked cell be recovered from the total and the visible cells', () => {
    // every table of 2 to 4 rows of 0 to 10 people
    let tables = 0;
    let degenerate = 0;
    const rows = (n: number): number[][] =>
      n === 0 ? [[]] : rows(n - 1).flatMap((r) => Array.from({ length: 11 }, (_, v) => [...r, v]));
    for (let n = 2; n <= 4; n++)
      for (const populations of rows(n)) {
        const masked = suppressedRows(populations, T);
        if (masked.size === 0) continue;
        tables++;
        if (!protects(populations, masked, T)) {
          // too few people: every person-bearing row is masked (the service hides their names)
          expect(populations.every((p, i) => p === 0 || masked.has(i))).toBe(true);
          degenerate++;
          continue;
        }
        for (const [i, values] of possibleValues(populations, masked))
          expect({ populations, cell: i, values: values.size > 1 }).toEqual({
            populations,
            cell: i,
            values: true,
          });
      }
    expect(tables).toBeGreaterThan(1000);
    expect(degenerate).toBeLessThan(tables / 5);
  });
});
