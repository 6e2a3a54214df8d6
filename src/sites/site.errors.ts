import { defineErrors } from '../common/errors/catalogue';

/** Refusals about distribution sites. */
export const SITE_ERRORS = defineErrors('sites', {
  SITE_NAME_TAKEN: {
    status: 409,
    detail: 'Un lieu de remise porte déjà ce nom.',
    when: 'creating or renaming a distribution site with the name of another',
  },
  SITE_CLOSED: {
    status: 409,
    detail: 'Le lieu de remise « {name} » est fermé : il ne reçoit plus de carnets.',
    when: 'making a print run for, or transferring stock to, a closed distribution site',
  },
});
