import type { NestExpressApplication } from '@nestjs/platform-express';
import hbs from 'hbs';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { frenchDate } from '../common/dates';
import { frenchCount } from '../common/french-words';
import { formatEuros } from '../common/money';
import { projectRoot, templatesDir } from '../common/project-root';
import { SMALL_CELL } from '../stats/dto/stats.dto';

const PARIS_TIME = new Intl.DateTimeFormat('fr-FR', {
  timeZone: 'Europe/Paris',
  dateStyle: 'short',
  timeStyle: 'short',
});

const FRENCH_NUMBER = new Intl.NumberFormat('fr-FR', { maximumFractionDigits: 2 });
const FRENCH_MONTH = new Intl.DateTimeFormat('fr-FR', {
  month: 'long',
  year: 'numeric',
  timeZone: 'UTC',
});
/** "2026-03" → "mars 2026". */
const frenchMonth = (month: string) => FRENCH_MONTH.format(new Date(`${month}-01T00:00:00Z`));

const SCRIPT_UNSAFE = /[<>&\u2028\u2029]/g;

/** JSON that is inert inside a `<script>` element (see the `scriptJson` helper). */
export function scriptJson(value: unknown): string {
  return JSON.stringify(value ?? null).replace(
    SCRIPT_UNSAFE,
    (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`,
  );
}

/** Formatting used by the pages: the same functions as the PDFs and CSVs. */
export const VIEW_HELPERS: Record<string, (...args: unknown[]) => unknown> = {
  euros: (cents) => (typeof cents === 'number' ? formatEuros(cents) : ''),
  date: (day) => (typeof day === 'string' && day ? frenchDate(day.slice(0, 10)) : ''),
  datetime: (at) => (typeof at === 'string' && at ? PARIS_TIME.format(new Date(at)) : ''),
  eq: (a, b) => a === b,
  /** Whether some of these errors name a field (a form's summary then says the form has errors). */
  anyField: (errors) =>
    Array.isArray(errors) && errors.some((e) => !!(e as { field?: string }).field),
  gt: (a, b) => typeof a === 'number' && typeof b === 'number' && a > b,
  /** `{{key "payer" id}}` → "payer-<id>": the key of one row's form (see FORM_HELPERS). */
  key: (a, b) => `${String(a)}-${String(b)}`,
  /** `{{count n "chèque" "chèques"}}` → "2 chèques" (French plural rules, never "(s)"). */
  count: (n, one, many) => (typeof n === 'number' ? frenchCount(n, String(one), String(many)) : ''),
  percent: (part, whole) =>
    typeof part === 'number' && typeof whole === 'number' && whole > 0
      ? Math.min(100, Math.round((part / whole) * 1000) / 10)
      : 0,
  /**
   * Data for a `<script type="application/json">` block: JSON with `<`, `>`, `&` and the line
   * separators written as \u escapes, so that no value (an association named `</script>…`) can
   * close the block or open markup. The only output the templates do not escape.
   */
  scriptJson: (value) => new hbs.handlebars.SafeString(scriptJson(value)),
  /** One cell of an indicator: "< 5" as is, amounts in euros, rates with a decimal comma. */
  stat: (row, key, kind) => {
    const value = (row as Record<string, unknown> | undefined)?.[key as string];
    if (value === null || value === undefined) return '—';
    // a masked cell: "< 5" counts people, whatever the column counts (cheques, euros)
    if (value === SMALL_CELL) return '< 5 pers.';
    // a month ("2026-03"), or a masked one ("masqué")
    if (typeof value === 'string')
      return kind === 'month' && /^\d{4}-\d{2}$/.test(value) ? frenchMonth(value) : value;
    if (typeof value !== 'number') return '';
    if (kind === 'cents') return formatEuros(value);
    if (kind === 'percent') return `${FRENCH_NUMBER.format(value)} %`;
    return FRENCH_NUMBER.format(value);
  },
};

interface HelperOptions {
  data: { root: Record<string, unknown> };
}

/** The refused form's state in a page model: which form, its errors, what was typed in it. */
function refusedForm(options: HelperOptions, form: unknown) {
  const root = options.data.root;
  if (root.refused !== form) return undefined;
  return {
    errors: (root.errors ?? []) as { name: string; message: string }[],
    typed: (root.typed ?? {}) as Record<string, unknown>,
  };
}

/**
 * Helpers of a form shown again after a refusal (the page model has `refused`: the form's key,
 * `errors` and `typed`, see page-action.ts): `{{typed "edit" "name" current}}` is what was typed
 * in that form, else the current value; `{{fieldError "edit" "name"}}` the French reason beside
 * the field; `{{invalid "edit" "name"}}` marks the input (aria-invalid, aria-describedby).
 */
export const FORM_HELPERS: Record<string, (...args: unknown[]) => unknown> = {
  typed: (form, name, fallback, options) => {
    const state = refusedForm(options as HelperOptions, form);
    return state ? (state.typed[name as string] ?? '') : (fallback ?? '');
  },
  fieldError: (form, name, options) =>
    refusedForm(options as HelperOptions, form)
      ?.errors.filter((e) => e.name === name)
      .map((e) => e.message)
      .join(' ; ') ?? '',
  invalid: (form, name, options) => {
    const state = refusedForm(options as HelperOptions, form);
    if (!state?.errors.some((e) => e.name === name)) return '';
    const id = hbs.handlebars.escapeExpression(`err-${String(form)}-${String(name)}`);
    return new hbs.handlebars.SafeString(` aria-invalid="true" aria-describedby="${id}"`);
  },
};

/**
 * Server-rendered pages: Handlebars templates in templates/views (layout.hbs around every page,
 * partials in templates/views/partials), and the assets the pages need, all served by the app
 * itself (no CDN): our stylesheet and scripts, and the QR decoder (zxing-wasm) from node_modules.
 */
export function useViews(app: NestExpressApplication): void {
  const views = join(templatesDir(), 'views');
  const partials = join(views, 'partials');
  for (const file of readdirSync(partials).filter((f) => f.endsWith('.hbs')))
    hbs.registerPartial(file.replace(/\.hbs$/, ''), readFileSync(join(partials, file), 'utf8'));
  for (const [name, fn] of Object.entries(VIEW_HELPERS))
    hbs.registerHelper(name, (...args: unknown[]) => fn(...args.slice(0, -1)));
  // these read the page model (the refused form): they get the options, root included
  for (const [name, fn] of Object.entries(FORM_HELPERS))
    hbs.registerHelper(name, (...args: unknown[]) => {
      const options = args[args.length - 1];
      const given = args.slice(0, -1);
      if (name === 'typed' && given.length === 2) given.push(undefined);
      return fn(...given, options);
    });
  app.setBaseViewsDir(views);
  app.setViewEngine('hbs');
  const zxing = join(projectRoot(), 'node_modules', 'zxing-wasm', 'dist');
  const cache = { maxAge: '1h', fallthrough: true };
  app.useStaticAssets(join(templatesDir(), 'assets'), { prefix: '/assets/', ...cache });
  app.useStaticAssets(join(zxing, 'iife', 'reader'), { prefix: '/assets/zxing/', ...cache });
  app.useStaticAssets(join(zxing, 'reader'), { prefix: '/assets/zxing/', ...cache });
  app.useStaticAssets(join(projectRoot(), 'node_modules', 'chart.js', 'dist'), {
    prefix: '/assets/chartjs/',
    ...cache,
  });
}
