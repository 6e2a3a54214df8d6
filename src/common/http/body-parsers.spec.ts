import { jsonDepthExceeds } from './body-parsers';

describe('jsonDepthExceeds', () => {
  const deep = (n: number) => Buffer.from('['.repeat(n) + ']'.repeat(n));
  it('counts arrays and objects, not brackets inside strings', () => {
    expect(jsonDepthExceeds(deep(32), 32)).toBe(false);
    expect(jsonDepthExceeds(deep(33), 32)).toBe(true);
    expect(jsonDepthExceeds(Buffer.from(`{"a":"${'['.repeat(100)}"}`), 2)).toBe(false);
    expect(jsonDepthExceeds(Buffer.from(`{"a":"\\"[[[[","b":{"c":{}}}`), 2)).toBe(true);
    expect(jsonDepthExceeds(Buffer.from(`{"a":"\\"[[[[","b":{"c":1}}`), 2)).toBe(false);
  });
  it('stops early on a huge body', () => {
    expect(jsonDepthExceeds(deep(1_000_000), 32)).toBe(true);
  });
});
