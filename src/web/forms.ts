import { ClassConstructor, plainToInstance } from 'class-transformer';
import { validate, ValidationError } from 'class-validator';
import { DomainError, FieldError } from '../common/errors/domain-error';
import { COMMON_ERRORS, ValidationFailedError } from '../common/errors/common.errors';
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

const NOT_VALID = "n'est pas valide";

function french(errors: ValidationError[], parent = ''): FieldError[] {
  return errors.flatMap((e) => {
    const field = parent ? `${parent}.${e.property}` : e.property;
    const own = Object.keys(e.constraints ?? {}).map((key) => ({
      field,
      message: CONSTRAINTS[key] ?? NOT_VALID,
      fr: CONSTRAINTS[key] ?? NOT_VALID,
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
  if (!confirmed) throw ValidationFailedError.field(name, `${name} must be checked`, message);
}

/**
 * A new password typed twice (`password`, `passwordAgain`): the password, or a refusal naming the
 * field at fault. Its strength is the service's to check.
 */
export function newPassword(fields: Record<string, unknown>): string {
  if (typeof fields.password !== 'string')
    throw ValidationFailedError.field('password', 'password is required', 'est obligatoire');
  if (fields.password !== fields.passwordAgain)
    throw new ValidationFailedError(
      [
        {
          field: 'passwordAgain',
          message: 'the two passwords differ',
          fr: 'ne correspond pas au premier',
        },
      ],
      'Les deux mots de passe diffèrent.',
    );
  return fields.password;
}

/** Checkboxes sent once or several times: always a list. */
export function checkedList(value: unknown): string[] {
  return (Array.isArray(value) ? (value as unknown[]) : [value]).filter(
    (v): v is string => typeof v === 'string' && v !== '',
  );
}

/** A textarea of one item a line (or separated by ";") → the items, trimmed, blank ones dropped. */
export function lineList(text: unknown): string[] | undefined {
  if (typeof text !== 'string') return undefined;
  return text
    .split(/[\n;]/)
    .map((a) => a.trim())
    .filter(Boolean);
}

/**
 * The optional fields of an edit form that were emptied: `{ name: null }` for each (formFields
 * drops empty fields, which on a creation means "not given" but on a change means "erase it").
 */
export function clearedFields(body: unknown, names: readonly string[]): Record<string, null> {
  const raw = (body ?? {}) as Record<string, unknown>;
  return Object.fromEntries(
    names.filter((n) => typeof raw[n] === 'string' && raw[n].trim() === '').map((n) => [n, null]),
  );
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

/**
 * What was typed in a form, to show it again after a refusal: the text fields as sent, without
 * the CSRF token, passwords, or confirmation boxes (a confirmation is always given again).
 */
export function typedFields(body: unknown): Record<string, string | string[]> {
  const out: Record<string, string | string[]> = {};
  for (const [key, raw] of Object.entries((body ?? {}) as Record<string, unknown>)) {
    if (key === CSRF_FIELD || /password|^confirm/i.test(key)) continue;
    // a text field, or boxes of one name ticked several times
    if (typeof raw === 'string') out[key] = raw;
    else if (Array.isArray(raw)) out[key] = raw.filter((v): v is string => typeof v === 'string');
  }
  return out;
}

/** One refusal as a page shows it: the field's name in the form, its French label, the reason. */
export interface FormError {
  /** The form field at fault (`beneficiary.postalCode`), '' for the whole form. */
  name: string;
  /** Its label as the form shows it ("Code postal"). */
  field: string;
  message: string;
}

const formError = (name: string, message: string): FormError => ({
  name,
  field: name ? (FIELD_LABELS[name] ?? name) : '',
  message,
});

/**
 * What a page shows when an action is refused, always in French: each field error's French
 * reason (`fr`), else the rule's French sentence beside its field; a refusal without a field is
 * the sentence alone. English field messages (for programs) never reach a page.
 */
export function formErrors(err: unknown): FormError[] {
  if (!(err instanceof DomainError)) throw err;
  const generic = err.detail === COMMON_ERRORS.sentence('VALIDATION_FAILED');
  const fields = (err.extra.errors as FieldError[] | undefined) ?? [];
  const errors = fields.map((e) => formError(e.field, e.fr ?? (generic ? NOT_VALID : err.detail)));
  if (errors.length === 0) return [formError('', err.detail)];
  // a sentence of its own says more than the fields: shown first
  return generic || fields.every((e) => !e.fr) ? errors : [formError('', err.detail), ...errors];
}
