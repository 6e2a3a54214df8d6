/** Calendar dates of the scheme are Europe/Paris days, written YYYY-MM-DD. */
const PARIS_DAY = new Intl.DateTimeFormat('en-CA', {
  timeZone: 'Europe/Paris',
  year: 'numeric',
  month: '2-digit',
  day: '2-digit',
});

/** Today's date in Paris as YYYY-MM-DD. */
export function parisToday(now: Date = new Date()): string {
  return PARIS_DAY.format(now);
}

/** "2026-03-12" → "12/03/2026". */
export function frenchDate(isoDay: string): string {
  const [y, m, d] = isoDay.split('-');
  return `${d}/${m}/${y}`;
}

export function parisYear(now: Date = new Date()): number {
  return Number(parisToday(now).slice(0, 4));
}

/** "2026-03-12" shifted by `days` calendar days. */
export function shiftDay(isoDay: string, days: number): string {
  const d = new Date(`${isoDay}T12:00:00Z`);
  d.setUTCDate(d.getUTCDate() + days);
  return d.toISOString().slice(0, 10);
}

const PARIS_TIME = new Intl.DateTimeFormat('fr-FR', {
  timeZone: 'Europe/Paris',
  hour: '2-digit',
  minute: '2-digit',
});

/** An instant as people in Paris read it: "12/03/2026 à 14:05". */
export function frenchDateTime(at: Date): string {
  return `${frenchDate(parisToday(at))} à ${PARIS_TIME.format(at)}`;
}
