/**
 * A refusal decided by a business rule. Services throw these; the global
 * ProblemDetailsFilter turns them into RFC 9457 problem+json responses.
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

export class ValidationFailedError extends DomainError {
  constructor(
    readonly errors: FieldError[],
    detail = 'La requête contient des champs invalides.',
  ) {
    super('VALIDATION_FAILED', 400, detail, { errors });
  }

  static field(field: string, message: string): ValidationFailedError {
    return new ValidationFailedError([{ field, message }]);
  }
}

export class NotFoundError extends DomainError {
  constructor(entity: string, id?: string) {
    super('NOT_FOUND', 404, id ? `${entity} introuvable : ${id}.` : `${entity} introuvable.`);
  }
}

export class ConflictError extends DomainError {
  constructor(detail: string, code = 'CONFLICT', extra: Record<string, unknown> = {}) {
    super(code, 409, detail, extra);
  }
}

/** 409 INVALID_TRANSITION: "<what> est à l'état <from> : « <action> » est impossible." */
export function invalidTransition(what: string, from: string, action: string): DomainError {
  return new ConflictError(
    `${what} est à l'état ${from} : « ${action} » est impossible.`,
    'INVALID_TRANSITION',
    { status: from },
  );
}

export class ForbiddenError extends DomainError {
  constructor(detail = 'Accès refusé.', code = 'FORBIDDEN') {
    super(code, 403, detail);
  }
}

export class UnauthenticatedError extends DomainError {
  constructor(detail = 'Authentification requise.') {
    super('UNAUTHENTICATED', 401, detail);
  }
}
