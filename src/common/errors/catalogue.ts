import { DomainError } from './domain-error';

/**
 * The error catalogues. Each feature declares its refusals once, in `<feature>.errors.ts`:
 * stable code, HTTP status and the French sentence people read, with `{name}` placeholders for
 * the values of the case. Services raise them by code (`ERRORS.error('CODE', { … })`); the
 * OpenAPI document lists every catalogue (`x-error-catalogue`), so a client knows every code it
 * may meet and what it means.
 */
export interface ErrorSpec {
  status: number;
  /** The sentence shown to people (French), with `{name}` placeholders. */
  detail: string;
  /** For the OpenAPI catalogue: when it happens, in English, for developers. */
  when: string;
}

export interface CatalogueEntry extends ErrorSpec {
  code: string;
  feature: string;
}

const registry = new Map<string, CatalogueEntry>();

export type Params = Record<string, string | number>;

export class ErrorCatalogue<C extends string> {
  constructor(
    readonly feature: string,
    private readonly specs: Record<C, ErrorSpec>,
  ) {}

  /** The error for `code`, its sentence filled with `params` (every placeholder must be given). */
  error(code: C, params: Params = {}, extra: Record<string, unknown> = {}): DomainError {
    const spec = this.specs[code];
    return new DomainError(code, spec.status, fill(spec.detail, params, code), extra);
  }

  /** The same, with the field at fault (`errors: [{ field, message }]`, message in English). */
  fieldError(code: C, field: string, message: string, params: Params = {}): DomainError {
    return this.error(code, params, { errors: [{ field, message }] });
  }

  /** The code's error with a sentence of its own for one case (same code, same status). */
  custom(code: C, detail: string, extra: Record<string, unknown> = {}): DomainError {
    return new DomainError(code, this.specs[code].status, detail, extra);
  }

  statusOf(code: C): number {
    return this.specs[code].status;
  }

  /** The sentence alone (pages show it beside a field). */
  sentence(code: C, params: Params = {}): string {
    return fill(this.specs[code].detail, params, code);
  }
}

/** Declares a feature's catalogue; a code declared twice, in any two features, is refused. */
export function defineErrors<C extends string>(
  feature: string,
  specs: Record<C, ErrorSpec>,
): ErrorCatalogue<C> {
  for (const [code, spec] of Object.entries<ErrorSpec>(specs)) {
    if (!/^[A-Z][A-Z0-9_]+$/.test(code)) throw new Error(`error code "${code}" is not UPPER_SNAKE`);
    const known = registry.get(code);
    if (known && known.feature !== feature)
      throw new Error(`error code ${code} declared by ${known.feature} and ${feature}`);
    registry.set(code, { code, feature, ...spec });
  }
  return new ErrorCatalogue(feature, specs);
}

/** Every declared code, for the OpenAPI document and the catalogue's tests. */
export function errorCatalogue(): CatalogueEntry[] {
  return [...registry.values()].sort(
    (a, b) => a.feature.localeCompare(b.feature) || a.code.localeCompare(b.code),
  );
}

function fill(template: string, params: Params, code: string): string {
  return template.replace(/\{(\w+)\}/g, (_, name: string) => {
    if (!(name in params)) throw new Error(`error ${code}: no value for {${name}}`);
    return String(params[name]);
  });
}
