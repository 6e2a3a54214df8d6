import { defineErrors } from '../common/errors/catalogue';

/** Refusals of claims, statements and reversals. */
export const STATEMENT_ERRORS = defineErrors('statements', {
  NOTHING_TO_CLAIM: {
    status: 422,
    detail: "Aucun encaissement à réclamer jusqu'à cette date.",
    when: 'a claim would hold no unclaimed ACTIVE redemption up to its date, or a claim being issued has no line left',
  },
  CLAIM_DEADLINE_PASSED: {
    status: 422,
    detail: 'La date limite de demande de remboursement du dispositif{deadline} est passée.',
    when: "claiming, submitting or issuing after the programme's claim deadline",
  },
  PAID_BEFORE_APPROVAL: {
    status: 422,
    detail: "La date de paiement ne peut pas précéder l'approbation de l'état ({approvedOn}).",
    when: 'a payment date before the statement was issued or approved (Paris days)',
  },
  STATEMENT_IN_PREPARED_BATCH: {
    status: 409,
    detail:
      "L'état {number} est dans le bordereau {batch}, pas encore envoyé aux finances : envoyez-le ou annulez-le d'abord.",
    when: 'marking paid a statement that waits in a payment batch not yet sent to the finance department (IN_BATCH)',
  },
  MANDATE_NUMBER_ALREADY_USED: {
    status: 409,
    detail: 'Le mandat {mandate} est déjà enregistré{where}.',
    when: 'a mandate number already recorded for another statement',
  },
  PAYMENT_REFERENCE_ALREADY_USED: {
    status: 409,
    detail: 'La référence de paiement {reference} est déjà enregistrée{where}.',
    when: 'a payment reference already recorded for another statement',
  },
  REDEMPTION_NOT_ON_STATEMENT: {
    status: 409,
    detail: "Cet encaissement ne figure sur aucun état émis : annulez-le au lieu de l'extourner.",
    when: 'reversing a redemption that no issued statement holds',
  },
});
