import { sepaAmount, sepaText } from './sepa';

describe('SEPA text and amounts', () => {
  it('keeps to the SEPA character set: accents dropped, ligatures spelt out, the rest a space', () => {
    expect(sepaText('Cœur de Ville & Cie <Muret>', 70)).toBe('Coeur de Ville Cie Muret');
    expect(sepaText('Ærø Straße — Œuvre', 70)).toBe('AEro Strasse OEuvre');
    expect(sepaText('Éléonore  Müller', 10)).toBe('Eleonore M');
  });

  it('writes amounts from integer cents, and refuses anything but positive cents', () => {
    expect(sepaAmount(1)).toBe('0.01');
    expect(sepaAmount(123456789)).toBe('1234567.89');
    expect(() => sepaAmount(0)).toThrow(RangeError);
    expect(() => sepaAmount(-100)).toThrow(RangeError);
    expect(() => sepaAmount(10.5)).toThrow(RangeError);
  });
});
