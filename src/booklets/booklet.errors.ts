import { defineErrors } from '../common/errors/catalogue';

/** Refusals about booklets. */
export const BOOKLET_ERRORS = defineErrors('booklets', {
  BOOKLET_ALREADY_CANCELLED: {
    status: 409,
    detail: 'Ce carnet est déjà annulé.',
    when: 'cancelling a booklet already cancelled (a wrong-state refusal)',
  },
  BOOKLET_CANCELLED: {
    status: 409,
    detail: 'Ce carnet est annulé : il ne peut pas être imprimé.',
    when: 'printing a cancelled booklet',
  },
});
