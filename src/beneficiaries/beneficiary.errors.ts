import { defineErrors } from '../common/errors/catalogue';

/** Refusals about beneficiaries and their personal data. */
export const BENEFICIARY_ERRORS = defineErrors('beneficiaries', {
  BENEFICIARY_REFERENCE_TAKEN: {
    status: 409,
    detail: 'Cette référence de bénéficiaire existe déjà.',
    when: 'a pseudonymous reference already used in the programme',
  },
  ALREADY_ERASED: {
    status: 409,
    detail: 'Les données de ce bénéficiaire sont déjà effacées.',
    when: 'erasing a beneficiary already erased',
  },
  BENEFICIARY_HAS_ACTIVE_BOOKLET: {
    status: 409,
    detail:
      "Le carnet {number} de ce bénéficiaire peut encore être utilisé : annulez-le d'abord, puis demandez l'effacement.",
    when: 'erasing a beneficiary whose booklet can still be used',
  },
  ACCOUNTING_RECORDS_KEPT: {
    status: 409,
    detail:
      'Les chèques encaissés de ce bénéficiaire justifient des paiements publics du dispositif « {programme} » : la loi impose de conserver ces pièces. Ses données seront effacées automatiquement le {until}.',
    when: 'erasing a beneficiary whose redeemed cheques are accounting records still kept',
  },
});
