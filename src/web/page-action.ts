import type { Response } from 'express';
import type { Actor } from '../common/access/role';
import { COMMON_ERRORS } from '../common/errors/common.errors';
import { FormError, formErrors, typedFields } from './forms';
import { pageModel } from './page-model';

/** The page to show again when an action is refused: its view and model, given the errors. */
export type RefusedPage = (errors: FormError[]) => Promise<[view: string, model: object]>;

/**
 * The one way a page runs a form's action: on success, 303 to the address `run` returns (the
 * Post/Redirect/Get pattern); refused by a rule or a field, the page again with the errors in
 * French (400). Anything else is a defect and goes to the problem filter.
 */
export async function pageAction(
  res: Response,
  run: () => Promise<string>,
  refused: RefusedPage,
): Promise<void> {
  let next: string;
  try {
    next = await run();
  } catch (err) {
    const [view, model] = await refused(formErrors(err));
    res.status(400).render(view, model);
    return;
  }
  res.redirect(303, next);
}

/** A refused action shown on the section's error page, with a link back to it. */
export function errorPage(actor: Actor, title: string, back: string): RefusedPage {
  return (errors) =>
    Promise.resolve([
      'error',
      {
        ...pageModel(actor, title, back, {}),
        detail: errors.map((e) => (e.field ? `${e.field} : ${e.message}` : e.message)).join(' '),
        back,
      },
    ]);
}

/** What a page model holds to show a refused form again (read by the helpers of views.ts). */
export interface Refusal {
  /** The key of the form that was refused (the page may hold several). */
  refused: string;
  errors: FormError[];
  /** What was typed in it, shown again (never a password, never a confirmation box). */
  typed: Record<string, string | string[]>;
}

/** What a page's model builder takes besides its data: a refusal, or a confirmation (`flash`). */
export type PageState = Partial<Refusal> & { flash?: { kind: 'ok'; text: string } };

/**
 * A refused form shown again on its own page: the errors in French beside its fields and in a
 * summary, what was typed kept. `model` builds the page's model with the refusal merged in.
 */
export function samePage(
  view: string,
  form: string,
  body: unknown,
  model: (refusal: Refusal) => Promise<object>,
): RefusedPage {
  return async (errors) => [view, await model({ refused: form, errors, typed: typedFields(body) })];
}

/** A form action that does not exist: 404, shown by the global filter as a French page. */
export const unknownAction = () => COMMON_ERRORS.custom('NOT_FOUND', 'Action inconnue.');

/** The forms of a detail page, by name: what each does with the fields, and its message key. */
export type NamedForms = ReadonlyMap<
  string,
  [run: (fields: Record<string, unknown>) => Promise<unknown>, done: string]
>;

/**
 * Runs the named form of a detail page (`page`: its address; `view`, `model`: the page again on a
 * refusal). Unknown names — `constructor`, `__proto__` included: a Map has no inherited keys —
 * are a 404. On success, back to the page with its message (`?fait=`).
 */
export function namedFormAction(
  res: Response,
  forms: NamedForms,
  name: string,
  fields: Record<string, unknown>,
  page: { path: string; view: string; body: unknown; model: (refusal: Refusal) => Promise<object> },
): Promise<void> {
  const found = forms.get(name);
  if (!found) throw unknownAction();
  const [run, done] = found;
  return pageAction(
    res,
    async () => {
      await run(fields);
      return `${page.path}?fait=${done}`;
    },
    samePage(page.view, name, page.body, page.model),
  );
}
