/**
 * A refusal decided by a business rule. Services raise them from their feature's catalogue
 * (`<feature>.errors.ts`, see catalogue.ts) or with the shared classes of common.errors.ts; the
 * global ProblemDetailsFilter turns them into RFC 9457 problem+json responses.
 * `code` is stable and machine-readable: clients switch on it, never on `detail`.
 */
export interface FieldError {
  field: string;
  message: string;
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
