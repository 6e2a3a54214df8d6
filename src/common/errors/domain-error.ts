/**
 * A refusal decided by a business rule. Services raise them from their feature's catalogue
 * (`<feature>.errors.ts`, see catalogue.ts) or with the shared classes of common.errors.ts; the
 * global ProblemDetailsFilter turns them into RFC 9457 problem+json responses.
 * `code` is stable and machine-readable: clients switch on it, never on `detail`.
 */
export interface FieldError {
  field: string;
  /** For programs: English, stable enough to log. */
  message: string;
  /** The same for people, in French: what the pages show beside the field. */
  fr?: string;
}

export class DomainError extends Error {
  constructor(
    readonly code: string,
    readonly status: number,
    readonly detail: string,
    readonly extra: Record<string, unknown> = {},
  ) {
    super(detail);
    this.name = new.target.name;
  }
}
