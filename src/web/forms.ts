import { ClassConstructor, plainToInstance } from 'class-transformer';
import { validate, ValidationError } from 'class-validator';
import { DomainError, FieldError } from '../common/errors/domain-error';
import { ValidationFailedError } from '../common/errors/common.errors';
import { CSRF_FIELD } from './csrf';
import { FIELD_LABELS } from './labels';

const CONSTRAINTS: Record<string, string> = {
  isNotEmpty: 'est obligatoire',
  isDefined: 'est obligatoire',
  isInt: 'doit être un nombre entier',
  isNumber: 'doit être un nombre',
  min: 'est trop petit',
  max: 'est trop grand',
  minLength: 'est trop court',
  maxLength: 'est trop long',
  isEmail: "n'est pas une adresse e-mail valide",
  isUuid: 'est à choisir dans la liste',
  isIn: 'est à choisir dans la liste',
  isEnum: 'est à choisir dans la liste',
  isBoolean: 'est à cocher ou non',
  matches: "n'a pas la forme attendue",
  isCalendarDate: "n'est pas une date valide",
};

function french(errors: ValidationError[], parent = ''): FieldError[] {
  return errors.flatMap((e) => {
    const field = parent ? `${parent}.${e.property}` : e.property;
    const label = FIELD_LABELS[field] ?? field;
    const own = Object.keys(e.constraints ?? {}).map((key) => ({
      field: label,
      message: CONSTRAINTS[key] ?? "n'est pas valide",
    }));
    return [...own, ...french(e.children ?? [], field)];
  });
}

/**
 * A submitted form read into the API's own DTO class and checked with the same class-validator
 * rules as the API (no rule written twice); the messages are in French for the page. Empty
 * fields count as absent.
 */
export async function readForm<T extends object>(
  cls: ClassConstructor<T>,
  plain: Record<string, unknown>,
): Promise<T> {
  const dto = plainToInstance(cls, plain, { enableImplicitConversion: true });
  const errors = await validate(dto, { whitelist: true, forbidNonWhitelisted: true });
  if (errors.length) throw new ValidationFailedError(french(errors));
  return dto;
}

/**
 * An irreversible action's explicit confirmation: the form's checkbox `name` must be sent as
 * "oui", or the action is refused with a field error saying `message`. The checkbox is taken out
 * of `fields`, so that the rest can be read as the action's DTO.
 */
export function requireConfirmation(
  fields: Record<string, unknown>,
  name: string,
  message: string,
): void {
  const confirmed = fields[name] === 'oui';
  delete fields[name];
  if (!confirmed) throw ValidationFailedError.field(name, message);
}

/** The fields of a posted form: without the CSRF token, empty strings dropped, `a.b` nested. */
export function formFields(body: unknown): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const [key, raw] of Object.entries((body ?? {}) as Record<string, unknown>)) {
    if (key === CSRF_FIELD || raw === '' || raw === undefined) continue;
    const value = typeof raw === 'string' ? raw.trim() : raw;
    const [head, tail] = key.split('.', 2);
    if (tail) out[head] = { ...(out[head] ?? {}), [tail]: value };
    else out[key] = value;
  }
  return out;
}

/** What a page shows when an action is refused: the French detail and, if any, the fields. */
export function formErrors(err: unknown): FieldError[] {
  if (err instanceof ValidationFailedError)
    return err.errors.map((e) => ({ field: FIELD_LABELS[e.field] ?? e.field, message: e.message }));
  if (err instanceof DomainError) return [{ field: '', message: err.detail }];
  throw err;
}
