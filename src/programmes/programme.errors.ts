import { defineErrors } from '../common/errors/catalogue';

/** Refusals about programmes (dispositifs) and their budget. */
export const PROGRAMME_ERRORS = defineErrors('programmes', {
  PROGRAMME_NOT_FOUND: {
    status: 404,
    detail: 'Dispositif introuvable : {id}.',
    when: 'issuing for a programme that does not exist (the field at fault is named)',
  },
  PROGRAMME_EXPIRED: {
    status: 422,
    detail: 'Le dispositif a expiré le {expiresOn} : plus aucun chèque ne peut être émis.',
    when: 'issuing booklets after the programme’s last day',
  },
  PROGRAMME_LOCKED: {
    status: 409,
    detail:
      'La valeur faciale et le nombre de chèques par carnet ne peuvent plus changer : des carnets ont été émis.',
    when: 'changing the face value or the cheques per booklet once booklets exist',
  },
  PROGRAMME_DATES_PRINTED: {
    status: 409,
    detail:
      "Ces dates sont imprimées sur les carnets déjà émis : elles ne changent plus, sauf par une prolongation (date d'expiration ou date limite de demande plus tardive).",
    when: 'editing printed dates once booklets exist (use the extension)',
  },
  BUDGET_BELOW_COMMITTED: {
    status: 409,
    detail: 'Le budget ne peut pas être inférieur au montant déjà engagé.',
    when: 'lowering the budget under what booklets already commit',
  },
  BUDGET_EXCEEDED: {
    status: 409,
    detail: 'Le budget du dispositif ne permet pas cette émission.',
    when: 'issuing more than the budget left (`requestedCents`, `remainingCents`)',
  },
});
