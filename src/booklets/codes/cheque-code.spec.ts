import {
  ALPHABET,
  CODE_LENGTH,
  formatChequeCode,
  generateChequeCode,
  parseChequeCode,
} from './cheque-code';

describe('cheque codes', () => {
  const codes = Array.from({ length: 2000 }, () => generateChequeCode());

  it('are 14 Crockford characters, all distinct, and parse back', () => {
    expect(new Set(codes).size).toBe(codes.length);
    for (const code of codes) {
      expect(code).toHaveLength(CODE_LENGTH);
      expect([...code].every((c) => ALPHABET.includes(c))).toBe(true);
      expect(parseChequeCode(code)).toEqual({ ok: true, code });
    }
  });

  it('print in groups of four and parse in any case, with or without dashes, folding O/0 and I/L/1', () => {
    const code = codes[0];
    const printed = formatChequeCode(code);
    expect(printed).toMatch(/^[0-9A-Z]{4}-[0-9A-Z]{4}-[0-9A-Z]{4}-[0-9A-Z]{2}$/);
    expect(parseChequeCode(printed.toLowerCase())).toEqual({ ok: true, code });
    expect(parseChequeCode(` ${printed.replace(/-/g, ' ')} `)).toEqual({ ok: true, code });
    const withZeroOne = codes.find((c) => /[01]/.test(c.slice(0, 13)))!;
    const folded = withZeroOne.replace(/0/g, 'o').replace(/1/g, 'l');
    expect(parseChequeCode(folded)).toEqual({ ok: true, code: withZeroOne });
  });

  it('detect every single wrong character and every swap of neighbours as CHECK_FAILED', () => {
    for (const code of codes.slice(0, 200)) {
      for (let i = 0; i < CODE_LENGTH; i++) {
        for (const c of ALPHABET) {
          if (c === code[i]) continue;
          const typo = code.slice(0, i) + c + code.slice(i + 1);
          expect(parseChequeCode(typo)).toEqual({ ok: false, reason: 'CHECK_FAILED' });
        }
        if (i < CODE_LENGTH - 1 && code[i] !== code[i + 1]) {
          const swapped = code.slice(0, i) + code[i + 1] + code[i] + code.slice(i + 2);
          expect(parseChequeCode(swapped)).toEqual({ ok: false, reason: 'CHECK_FAILED' });
        }
      }
    }
  });

  it('refuse wrong lengths and characters outside the alphabet as MALFORMED', () => {
    for (const bad of [
      '',
      'ABC',
      codes[0] + 'X',
      codes[0].slice(0, 13) + 'U',
      '7K2M-9QXD-4TRB-W*',
      "'; DROP TABLE cheque;--",
    ]) {
      expect(parseChequeCode(bad)).toEqual({ ok: false, reason: 'MALFORMED' });
    }
  });

  it('never print a check symbol outside the 32 easy characters, even for the values that would need one', () => {
    // Force the generator through values whose mod-37 check is ≥ 32 first.
    let calls = 0;
    const rigged = (n: number) => {
      calls++;
      if (calls === 1) {
        // 32 mod 37 → would need '*'
        const b = Buffer.alloc(n);
        b[n - 1] = 32;
        return b;
      }
      const b = Buffer.alloc(n);
      b[n - 1] = 5;
      return b;
    };
    const code = generateChequeCode(rigged);
    expect(calls).toBe(2);
    expect(code).toBe('0000000000005' + '5');
  });
});
