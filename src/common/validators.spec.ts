import { isCalendarDate, isValidSiret, maskIban, normalizeIban } from './validators';

describe('validators', () => {
  it('SIRET: Luhn, with the La Poste exception', () => {
    expect(isValidSiret('73282932000074')).toBe(true); // a real SIRET (Luhn)
    expect(isValidSiret('73282932000075')).toBe(false);
    expect(isValidSiret('7328293200007')).toBe(false);
    expect(isValidSiret('7328293200007A')).toBe(false);
    expect(isValidSiret('35600000000048')).toBe(true); // La Poste head office
    expect(isValidSiret('35600000049837')).toBe(true); // La Poste establishment: digits sum to 50
    expect(isValidSiret('35600000049838')).toBe(false);
  });

  it('IBAN: normalised to the electronic format, checksum verified, masked for display', () => {
    expect(normalizeIban('fr76 3000 6000 0112 3456 7890 189')).toBe('FR7630006000011234567890189');
    expect(normalizeIban('FR7630006000011234567890188')).toBeUndefined();
    expect(normalizeIban('not an iban')).toBeUndefined();
    expect(maskIban('FR7630006000011234567890189')).toBe('FR76 •••• •••• •••• •••• •••• 189');
  });

  it('calendar dates', () => {
    expect(isCalendarDate('2026-02-28')).toBe(true);
    expect(isCalendarDate('2026-02-30')).toBe(false);
    expect(isCalendarDate('26-02-28')).toBe(false);
  });
});
