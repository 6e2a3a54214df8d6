import { defineErrors } from '../common/errors/catalogue';

/** Refusals about payment batches (bordereaux) and their files. */
export const PAYMENT_BATCH_ERRORS = defineErrors('payment-batches', {
  PAYER_NOT_CONFIGURED: {
    status: 409,
    detail: "Le compte du Département (PAYER_IBAN) n'est pas configuré.",
    when: 'preparing a batch while PAYER_IBAN is not set',
  },
  STATEMENT_NOT_PAYABLE: {
    status: 409,
    detail:
      '{count} à payer : approuvé, non payé, de montant positif et dans aucun autre bordereau.',
    when: 'a statement asked for is not approved, already paid, zero or negative, or in another batch',
  },
  STATEMENT_NOT_MANDATABLE: {
    status: 409,
    detail:
      "L'état {numbers} ne peut pas être mis en paiement par mandats : une de ses imputations budgétaires serait négative ou nulle (une correction imputée ailleurs que les chèques qu'elle compense). Payez-le à part ou attendez un état de correction de son dispositif.",
    when: 'a statement whose amount, split by budget imputation, gives a part that is zero or negative',
  },
  NOTHING_TO_PAY: {
    status: 409,
    detail: 'Aucun état approuvé à payer.',
    when: 'no approved statement is waiting for a batch',
  },
  BATCH_NOT_APPROVED: {
    status: 409,
    detail: "Le bordereau {number} n'est pas approuvé : son fichier n'existe pas encore.",
    when: 'downloading the file of a batch not approved',
  },
  PAYMENT_FILE_CHANGED: {
    status: 409,
    detail:
      "Le fichier du bordereau {number} ne correspond plus à celui qui a été approuvé (empreinte SHA-256 différente) : il n'est pas transmis. Contactez l'équipe technique.",
    when: 'the file built now is not byte for byte the one approved (its SHA-256 differs)',
  },
  BATCH_NOT_SENT: {
    status: 409,
    detail:
      "Le bordereau {number} n'est pas marqué envoyé aux finances : ses paiements ne peuvent pas encore être enregistrés.",
    when: 'importing payment results for a batch that is not SENT',
  },
  PAYMENT_RESULTS_UNREADABLE: {
    status: 422,
    detail: 'Le fichier de résultats de paiement est illisible : {reason}.',
    when: 'a results file without the needed columns, empty, or not CSV',
  },
  PAYMENT_RESULTS_REFUSED: {
    status: 422,
    detail:
      "{count} du fichier de résultats de paiement ne correspond pas au bordereau : rien n'est enregistré.",
    when: 'a results file with a line that names no statement of the batch, another amount, a date before approval or in the future, a reference already used: the whole file is refused',
  },
});
