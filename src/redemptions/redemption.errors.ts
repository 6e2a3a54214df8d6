import { defineErrors } from '../common/errors/catalogue';

/** Refusals of redemptions and their cancellation (a refused cheque's own reasons: refusals.ts). */
export const REDEMPTION_ERRORS = defineErrors('redemptions', {
  SESSION_DATE_OUT_OF_RANGE: {
    status: 422,
    detail: "La date de séance doit être comprise entre le {earliest} et aujourd'hui.",
    when: 'the session date is in the future or older than REDEMPTION_BACKDATE_DAYS',
  },
  ACTIVITY_NOT_IN_PROGRAMME: {
    status: 422,
    detail: 'Cette activité ne figure pas au catalogue du dispositif.',
    when: "the activity is not in the programme's list",
  },
  ASSOCIATION_NOT_ACCREDITED: {
    status: 403,
    detail: "Votre structure n'est pas habilitée à encaisser des chèques à cette date.",
    when: 'the association has no accreditation covering the session date',
  },
  IDEMPOTENCY_KEY_REUSED: {
    status: 422,
    detail: 'Cette clé d’idempotence a déjà servi pour une autre demande.',
    when: 'the Idempotency-Key was used by the same user for another body',
  },
  REDEMPTION_NOT_ACTIVE: {
    status: 409,
    detail: "Cet encaissement n'est plus actif.",
    when: 'cancelling or reversing a redemption already cancelled or reversed (a wrong-state refusal)',
  },
  REDEMPTION_CLAIMED: {
    status: 409,
    detail:
      "Cet encaissement figure sur une demande de remboursement : il ne peut plus être annulé (un administrateur peut l'extourner une fois l'état émis).",
    when: 'cancelling a redemption taken by a claim',
  },
  CANCELLATION_DELAY_PASSED: {
    status: 409,
    detail: 'Un encaissement ne peut être annulé que dans les {days} jours.',
    when: 'cancelling after REDEMPTION_CANCEL_DAYS (Paris days)',
  },
});
