import { defineErrors } from './catalogue';
import { DomainError, FieldError } from './domain-error';

/**
 * The errors every feature shares: input that does not validate, what does not exist, who may
 * not, wrong states, and the answers the problem filter gives for HTTP and database failures.
 */
export const COMMON_ERRORS = defineErrors('common', {
  VALIDATION_FAILED: {
    status: 400,
    detail: 'La requête contient des champs invalides.',
    when: 'a field does not validate: `errors` lists each field at fault',
  },
  NOT_FOUND: {
    status: 404,
    detail: 'Ressource introuvable.',
    when: 'no such object, or one the caller may not see (never 403 for another association’s data)',
  },
  FORBIDDEN: {
    status: 403,
    detail: 'Accès refusé. Vos droits ne permettent pas cette action.',
    when: 'the role or the scope does not allow the action',
  },
  UNAUTHENTICATED: {
    status: 401,
    detail: 'Authentification requise.',
    when: 'no valid token or session (expired, revoked, account deactivated)',
  },
  INVALID_TRANSITION: {
    status: 409,
    detail: "{what} est à l'état {from} : « {action} » est impossible.",
    when: 'an action not allowed from the object’s current status (`currentStatus` gives it)',
  },
  CONFLICT: {
    status: 409,
    detail: 'Cette valeur existe déjà.',
    when: 'a unique constraint refused the change (`constraint` names it)',
  },
  REFERENCE_CONFLICT: {
    status: 409,
    detail: 'Cette opération contredit une référence existante.',
    when: 'a foreign key refused the change',
  },
  CONSTRAINT_VIOLATED: {
    status: 409,
    detail: 'Cette opération contredit une règle de cohérence.',
    when: 'a check constraint or a trigger of the database refused the change',
  },
  CONCURRENT_UPDATE: {
    status: 409,
    detail: 'Une autre opération concurrente a eu lieu. Réessayez.',
    when: 'a serialization failure or a deadlock: retrying is safe',
  },
  INVALID_VALUE: {
    status: 400,
    detail: 'Une valeur est invalide.',
    when: 'the database refused a value (out of range, wrong format)',
  },
  MALFORMED_JSON: {
    status: 400,
    detail: "Le corps de la requête n'est pas un JSON valide.",
    when: 'the body is not JSON',
  },
  JSON_TOO_DEEP: {
    status: 400,
    detail: 'Le corps de la requête imbrique plus de {max} niveaux.',
    when: 'the JSON body nests deeper than the limit (refused before parsing)',
  },
  PAYLOAD_TOO_LARGE: {
    status: 413,
    detail: 'Le corps de la requête est trop volumineux.',
    when: 'the body is larger than the limit',
  },
  UNSUPPORTED_MEDIA_TYPE: {
    status: 415,
    detail: 'Encodage du corps non pris en charge.',
    when: 'a body in another content type or charset than JSON (or a form for pages)',
  },
  BAD_REQUEST: {
    status: 400,
    detail: 'Requête invalide.',
    when: 'a request the server cannot read',
  },
  METHOD_NOT_ALLOWED: {
    status: 405,
    detail: 'Méthode non autorisée.',
    when: 'the HTTP method is not one of the route’s',
  },
  NOT_ACCEPTABLE: {
    status: 406,
    detail: 'Format de réponse non disponible.',
    when: 'the Accept header asks for a format the route does not produce',
  },
  UNPROCESSABLE: {
    status: 422,
    detail: 'Requête impossible à traiter.',
    when: 'a generic refusal of the framework',
  },
  RATE_LIMITED: {
    status: 429,
    detail: 'Trop de tentatives. Réessayez plus tard.',
    when: 'a rate limit is reached: `Retry-After` says when to try again',
  },
  SERVICE_UNAVAILABLE: {
    status: 503,
    detail: 'Le service est momentanément indisponible. Réessayez dans quelques instants.',
    when: 'the database is unreachable: nothing was written, retrying (with the same Idempotency-Key) is safe',
  },
  INTERNAL_ERROR: {
    status: 500,
    detail: 'Erreur interne. Communiquez l’identifiant de requête au support.',
    when: 'a defect: logged with the request id, answered without internals',
  },
});

export class ValidationFailedError extends DomainError {
  constructor(
    readonly errors: FieldError[],
    detail = COMMON_ERRORS.sentence('VALIDATION_FAILED'),
  ) {
    super('VALIDATION_FAILED', 400, detail, { errors });
  }

  /** One field at fault: `message` in English for programs, `fr` in French for people. */
  static field(field: string, message: string, fr?: string): ValidationFailedError {
    return new ValidationFailedError([{ field, message, ...(fr ? { fr } : {}) }]);
  }
}

export class NotFoundError extends DomainError {
  constructor(what: string, id?: string) {
    // "Encaissement introuvable : <id>." — the generic sentence is for routes that do not exist.
    super('NOT_FOUND', 404, id ? `${what} introuvable : ${id}.` : `${what} introuvable.`);
  }
}

export class ConflictError extends DomainError {
  constructor(detail = COMMON_ERRORS.sentence('CONFLICT'), extra: Record<string, unknown> = {}) {
    super('CONFLICT', 409, detail, extra);
  }
}

/** 409 INVALID_TRANSITION: "<what> est à l'état <from> : « <action> » est impossible." */
export function invalidTransition(what: string, from: string, action: string): DomainError {
  return COMMON_ERRORS.error('INVALID_TRANSITION', { what, from, action }, { currentStatus: from });
}

export class ForbiddenError extends DomainError {
  constructor(detail = COMMON_ERRORS.sentence('FORBIDDEN')) {
    super('FORBIDDEN', 403, detail);
  }
}

export class UnauthenticatedError extends DomainError {
  constructor(detail = COMMON_ERRORS.sentence('UNAUTHENTICATED')) {
    super('UNAUTHENTICATED', 401, detail);
  }
}
