const UNITS = [
  'zéro',
  'un',
  'deux',
  'trois',
  'quatre',
  'cinq',
  'six',
  'sept',
  'huit',
  'neuf',
  'dix',
  'onze',
  'douze',
  'treize',
  'quatorze',
  'quinze',
  'seize',
];
const TENS = ['', 'dix', 'vingt', 'trente', 'quarante', 'cinquante', 'soixante'];

/**
 * 0–99 in French (traditional spelling, as the 1990 reform leaves it optional: hyphens between
 * tens and units, "et" for 21, 31, …, 71). `final`: nothing but a noun follows (see below1000).
 */
function below100(n: number, final: boolean): string {
  if (n <= 16) return UNITS[n];
  if (n < 20) return `dix-${UNITS[n - 10]}`;
  if (n < 70) {
    const t = Math.floor(n / 10);
    const u = n % 10;
    return u === 0 ? TENS[t] : u === 1 ? `${TENS[t]} et un` : `${TENS[t]}-${UNITS[u]}`;
  }
  if (n < 80) return n === 71 ? 'soixante et onze' : `soixante-${below100(n - 60, final)}`;
  if (n === 80) return final ? 'quatre-vingts' : 'quatre-vingt';
  return `quatre-vingt-${below100(n - 80, final)}`;
}

/**
 * 0–999. "vingt" and "cent" take an s when multiplied and last — at the end, or before the nouns
 * "million(s)" and "milliard(s)" — but not before "mille", an invariable numeral: "deux cents",
 * "deux cents millions", "quatre-vingts millions", yet "deux cent mille", "quatre-vingt mille".
 */
function below1000(n: number, final: boolean): string {
  const h = Math.floor(n / 100);
  const rest = n % 100;
  if (h === 0) return below100(rest, final);
  const hundreds = h === 1 ? 'cent' : `${UNITS[h]} cent${rest === 0 && final ? 's' : ''}`;
  return rest === 0 ? hundreds : `${hundreds} ${below100(rest, final)}`;
}

/** A whole number in French words, up to 999 999 999 999. */
export function numberInFrenchWords(n: number): string {
  if (!Number.isSafeInteger(n) || n < 0 || n >= 1e12)
    throw new RangeError(`cannot write ${n} in words`);
  if (n === 0) return 'zéro';
  const parts: string[] = [];
  const billions = Math.floor(n / 1e9);
  const millions = Math.floor((n % 1e9) / 1e6);
  const thousands = Math.floor((n % 1e6) / 1e3);
  const rest = n % 1e3;
  if (billions) parts.push(`${below1000(billions, true)} milliard${billions > 1 ? 's' : ''}`);
  if (millions) parts.push(`${below1000(millions, true)} million${millions > 1 ? 's' : ''}`);
  if (thousands) parts.push(thousands === 1 ? 'mille' : `${below1000(thousands, false)} mille`);
  if (rest) parts.push(below1000(rest, true));
  return parts.join(' ');
}

/** 12050 → "cent vingt euros et cinquante centimes"; negative amounts start with "moins". */
export function amountInFrenchWords(cents: number): string {
  const sign = cents < 0 ? 'moins ' : '';
  const abs = Math.abs(cents);
  const euros = Math.floor(abs / 100);
  const centimes = abs % 100;
  const big = euros >= 1e6 && euros % 1e6 === 0;
  const eurosText = `${numberInFrenchWords(euros)} ${big ? "d'euros" : euros > 1 ? 'euros' : 'euro'}`;
  if (centimes === 0) return sign + eurosText;
  const centText = `${numberInFrenchWords(centimes)} centime${centimes > 1 ? 's' : ''}`;
  return euros === 0 ? sign + centText : `${sign}${eurosText} et ${centText}`;
}

const FRENCH_PLURAL = new Intl.PluralRules('fr-FR');
const FRENCH_INTEGER = new Intl.NumberFormat('fr-FR', { maximumFractionDigits: 0 });

/**
 * "0 chèque", "1 chèque", "2 chèques", "1 000 chèques": a count and its noun, singular or plural
 * by French rules (0 and 1 take the singular), instead of "chèque(s)".
 */
export function frenchCount(n: number, one: string, many: string): string {
  return `${FRENCH_INTEGER.format(n)} ${FRENCH_PLURAL.select(n) === 'one' ? one : many}`;
}
