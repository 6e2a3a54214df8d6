import { defineErrors } from '../common/errors/catalogue';

/** Refusals about associations, their accreditations and bank details. */
export const ASSOCIATION_ERRORS = defineErrors('associations', {
  SIRET_TAKEN: {
    status: 409,
    detail: 'Une structure avec ce SIRET existe déjà.',
    when: 'creating an association with the SIRET of another',
  },
  BANK_DETAILS_CHANGE_PENDING: {
    status: 409,
    detail:
      'De nouvelles coordonnées bancaires de cette structure attendent déjà la confirmation d’un second administrateur.',
    when: 'a second bank-details change while one waits for confirmation',
  },
  BANK_DETAILS_CHANGE_REPLACED: {
    status: 409,
    detail:
      'Les coordonnées bancaires à confirmer ont changé depuis que vous les avez affichées : vérifiez les nouvelles avec leur RIB avant de confirmer.',
    when: 'confirming bank details (`changeId`) that were withdrawn and replaced by another request meanwhile',
  },
  BANK_DETAILS_DOCUMENT_REQUIRED: {
    status: 422,
    detail:
      'De nouvelles coordonnées bancaires se demandent avec le RIB de la structure : POST /api/associations/{id}/bank-details (IBAN, BIC et le document).',
    when: 'changing the IBAN or BIC through the association update, without the bank-details document',
  },
  ACCREDITATION_OVERLAP: {
    status: 409,
    detail: 'Cette période chevauche une habilitation existante.',
    when: 'an accreditation period overlapping another of the association',
  },
  ACCREDITATION_STATE_CONFLICT: {
    status: 409,
    detail: "Aucune habilitation dans l'état requis ({from}) pour cette action.",
    when: 'suspending, reinstating or revoking when no accreditation is in a state that allows it (a wrong-state refusal)',
  },
});
