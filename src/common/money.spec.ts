import { formatEuros, parseEuros, typedEuros } from './money';

describe('amounts typed in euros', () => {
  it.each([
    ['49 600,00', 4_960_000],
    ['49600', 4_960_000],
    ['10,5', 1050],
    ['1 234 €', 123_400],
    ['10.50', 1050],
    ['0,07', 7],
    ['\u00a0500\u202f000,00\u00a0€', 50_000_000],
  ])('%j is %d cents', (text, cents) => expect(parseEuros(text)).toBe(cents));

  it.each(['', '-10', '10,005', 'dix', '10,', ',5', '1e3', '12,34,56', '10 50', '1 0000'])(
    '%j is refused',
    (text) => expect(parseEuros(text)).toBeNull(),
  );

  it('reads back what it writes, and what the pages show', () => {
    for (const cents of [0, 7, 1050, 4_960_000, 100_000_000_000]) {
      expect(parseEuros(typedEuros(cents))).toBe(cents);
      expect(parseEuros(formatEuros(cents))).toBe(cents);
    }
  });
});
