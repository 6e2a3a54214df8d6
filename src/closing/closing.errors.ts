import { defineErrors } from '../common/errors/catalogue';

/** Refusals about closing a programme. */
export const CLOSING_ERRORS = defineErrors('closing', {
  PROGRAMME_NOT_CLOSABLE: {
    status: 409,
    detail: 'Le dispositif ne peut pas encore être clôturé : {reasons}',
    when: 'closing a programme before its claim deadline, or while claims, statements, payments or corrections are pending (`reasons` lists them)',
  },
  PROGRAMME_ALREADY_CLOSED: {
    status: 409,
    detail: 'Ce dispositif est déjà clôturé.',
    when: 'closing a programme twice (a wrong-state refusal)',
  },
  PROGRAMME_NOT_CLOSED: {
    status: 409,
    detail: 'Le rapport de clôture existe une fois le dispositif clôturé.',
    when: 'asking the closing report of a programme still open',
  },
});
