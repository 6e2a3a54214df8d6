import fc from 'fast-check';
import { spawnSync } from 'node:child_process';
import { amountInFrenchWords, frenchCount, numberInFrenchWords } from './french-words';

/**
 * n2words (a maintained library) as the oracle. It is an ES module, which jest's CommonJS sandbox
 * cannot load: a Node process writes its French words for the numbers asked.
 */
function oracle(numbers: number[]): string[] {
  const script = `import('n2words/fr-FR').then(({ toCardinal }) => {
    const ns = JSON.parse(require('node:fs').readFileSync(0, 'utf8'));
    process.stdout.write(JSON.stringify(ns.map((n) => toCardinal(n))));
  })`;
  const out = spawnSync(process.execPath, ['-e', script], {
    input: JSON.stringify(numbers),
    encoding: 'utf8',
    maxBuffer: 64 * 1024 * 1024,
  });
  if (out.status !== 0) throw new Error(out.stderr);
  return JSON.parse(out.stdout) as string[];
}

describe('French words', () => {
  it.each([
    [0, 'zéro'],
    [1, 'un'],
    [16, 'seize'],
    [17, 'dix-sept'],
    [21, 'vingt et un'],
    [22, 'vingt-deux'],
    [70, 'soixante-dix'],
    [71, 'soixante et onze'],
    [77, 'soixante-dix-sept'],
    [80, 'quatre-vingts'],
    [81, 'quatre-vingt-un'],
    [91, 'quatre-vingt-onze'],
    [100, 'cent'],
    [120, 'cent vingt'],
    [200, 'deux cents'],
    [201, 'deux cent un'],
    [1000, 'mille'],
    [1980, 'mille neuf cent quatre-vingts'],
    [200000, 'deux cent mille'],
    [1000000, 'un million'],
    [2500000, 'deux millions cinq cent mille'],
    [1000000000, 'un milliard'],
    // the rules the outside review found broken
    [80000, 'quatre-vingt mille'],
    [180000, 'cent quatre-vingt mille'],
    [200000000, 'deux cents millions'],
    [80000000, 'quatre-vingts millions'],
    [300000000000, 'trois cents milliards'],
  ])('%d → %s', (n, words) => expect(numberInFrenchWords(n)).toBe(words));

  it('agrees with n2words on every number up to 200,000, every round thousand, million and billion, and a random sample up to a trillion', () => {
    const sample = [
      ...Array.from({ length: 200_001 }, (_, n) => n),
      ...[1e3, 1e6, 1e9].flatMap((unit) => Array.from({ length: 999 }, (_, k) => (k + 1) * unit)),
      ...fc.sample(fc.integer({ min: 0, max: 999_999_999_999 }), {
        numRuns: 20_000,
        seed: 20261201,
      }),
    ];
    const expected = oracle(sample);
    const differ = sample
      .map((n, i) => ({ n, ours: numberInFrenchWords(n), theirs: expected[i] }))
      .filter((d) => d.ours !== d.theirs);
    expect(differ.slice(0, 5)).toEqual([]);
    expect(sample.length).toBeGreaterThan(220_000);
  });

  it('writes amounts', () => {
    expect(amountInFrenchWords(12000)).toBe('cent vingt euros');
    expect(amountInFrenchWords(100)).toBe('un euro');
    expect(amountInFrenchWords(12050)).toBe('cent vingt euros et cinquante centimes');
    expect(amountInFrenchWords(1)).toBe('un centime');
    expect(amountInFrenchWords(-1000)).toBe('moins dix euros');
    expect(amountInFrenchWords(100000000)).toBe("un million d'euros");
    expect(amountInFrenchWords(8_000_000)).toBe('quatre-vingt mille euros');
    expect(amountInFrenchWords(20_000_000_000)).toBe("deux cents millions d'euros");
  });
});

describe('frenchCount', () => {
  it('puts 0 and 1 in the singular, the rest in the plural, with French digit grouping', () => {
    expect(frenchCount(0, 'chèque', 'chèques')).toBe('0 chèque');
    expect(frenchCount(1, 'chèque', 'chèques')).toBe('1 chèque');
    expect(frenchCount(2, 'chèque', 'chèques')).toBe('2 chèques');
    expect(frenchCount(1000, 'chèque', 'chèques')).toBe('1\u202f000 chèques');
  });
});
