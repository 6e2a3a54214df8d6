import { ValidationFailedError } from '../common/errors/common.errors';

/** The most booklets one transfer or one loss report names. */
export const MAX_BOOKLETS_PER_MOVE = 10_000;

const NUMBER = /^([0-9AB]{2,3}-\d{4})-(\d{6})$/;

/**
 * Expands ranges of booklet numbers (`31-2026-000101` to `31-2026-000150`) into the numbers, in
 * order, without duplicates. A range stays within one série (same département and year), its last
 * number not before its first; `field` names the input at fault.
 */
export function expandRanges(ranges: { first: string; last?: string }[], field: string): string[] {
  const out = new Set<string>();
  ranges.forEach((r, i) => {
    const at = `${field}[${i}]`;
    const a = NUMBER.exec(r.first);
    const b = NUMBER.exec(r.last ?? r.first);
    if (!a || !b)
      throw ValidationFailedError.field(
        `${at}.first`,
        'not a booklet number',
        'n’est pas un numéro de carnet',
      );
    if (a[1] !== b[1])
      throw ValidationFailedError.field(
        `${at}.last`,
        'a range stays within one département-year',
        'une plage reste dans un même département et une même année',
      );
    const from = Number(a[2]);
    const to = Number(b[2]);
    if (to < from)
      throw ValidationFailedError.field(
        `${at}.last`,
        'last comes before first',
        'le dernier numéro vient avant le premier',
      );
    if (out.size + (to - from + 1) > MAX_BOOKLETS_PER_MOVE)
      throw ValidationFailedError.field(
        field,
        `at most ${MAX_BOOKLETS_PER_MOVE} booklets at once`,
        `au plus ${MAX_BOOKLETS_PER_MOVE} carnets à la fois`,
      );
    for (let n = from; n <= to; n++) out.add(`${a[1]}-${String(n).padStart(6, '0')}`);
  });
  return [...out].sort();
}

/** Sorted numbers written back as ranges: « 31-2026-000101 à 31-2026-000150, 31-2026-000160 ». */
export function describeNumbers(numbers: string[]): string {
  const sorted = [...numbers].sort();
  const parts: string[] = [];
  let start = 0;
  for (let i = 1; i <= sorted.length; i++) {
    const prev = NUMBER.exec(sorted[i - 1])!;
    const cur = i < sorted.length ? NUMBER.exec(sorted[i]) : null;
    if (cur && cur[1] === prev[1] && Number(cur[2]) === Number(prev[2]) + 1) continue;
    parts.push(start === i - 1 ? sorted[start] : `${sorted[start]} à ${sorted[i - 1]}`);
    start = i;
  }
  return parts.join(', ');
}
