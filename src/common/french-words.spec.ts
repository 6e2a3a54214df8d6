import { amountInFrenchWords, numberInFrenchWords } from './french-words';

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
  ])('%d → %s', (n, words) => expect(numberInFrenchWords(n)).toBe(words));

  it('writes amounts', () => {
    expect(amountInFrenchWords(12000)).toBe('cent vingt euros');
    expect(amountInFrenchWords(100)).toBe('un euro');
    expect(amountInFrenchWords(12050)).toBe('cent vingt euros et cinquante centimes');
    expect(amountInFrenchWords(1)).toBe('un centime');
    expect(amountInFrenchWords(-1000)).toBe('moins dix euros');
    expect(amountInFrenchWords(100000000)).toBe("un million d'euros");
  });
});
