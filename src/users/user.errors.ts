import { defineErrors } from '../common/errors/catalogue';

/** Refusals about accounts, and the four-eyes rule every feature applies to money. */
export const USER_ERRORS = defineErrors('users', {
  EMAIL_TAKEN: {
    status: 409,
    detail: 'Un compte existe déjà avec cette adresse e-mail.',
    when: 'creating or renaming an account to an e-mail already used',
  },
  CANNOT_DEACTIVATE_SELF: {
    status: 422,
    detail: 'Vous ne pouvez pas désactiver votre propre compte.',
    when: 'an administrator deactivating their own account',
  },
  FOUR_EYES_REQUIRED: {
    status: 403,
    detail:
      "{what} doit être approuvé par une autre personne que celle qui l'a préparé, et par un compte dont elle n'a jamais choisi le mot de passe.",
    when: 'approving what one prepared, directly or through an account whose password one chose',
  },
  SECOND_ADMIN_REQUIRED: {
    status: 403,
    detail:
      "Cette modification doit être confirmée par un second administrateur : ni celui qui l'a demandée, ni le compte concerné, ni un compte dont l'un d'eux a choisi le mot de passe.",
    when: 'confirming or withdrawing an account change by its requester, its subject, or one of their accounts',
  },
  ACCOUNT_CHANGE_PENDING: {
    status: 409,
    detail: 'Une modification de ce compte attend déjà la confirmation d’un second administrateur.',
    when: 'a second change of an account while one waits for confirmation',
  },
  ACCOUNT_CHANGE_REPLACED: {
    status: 409,
    detail:
      'La modification à confirmer a changé depuis que vous l’avez affichée : relisez-la avant de confirmer.',
    when: 'confirming a change (`changeId`) that was withdrawn and replaced by another meanwhile',
  },
  NO_PENDING_CHANGE: {
    status: 409,
    detail: 'Aucune modification {of} n’attend de confirmation.',
    when: 'confirming or withdrawing a change (account or bank details) when none waits',
  },
  LINK_INVALID: {
    status: 410,
    detail: 'Ce lien n’est pas valable. Demandez-en un nouveau.',
    when: 'an invitation or password-reset link that is unknown, already used or expired',
  },
  ALREADY_HAS_PASSWORD: {
    status: 409,
    detail:
      'Ce compte a déjà choisi son mot de passe : son titulaire peut demander un lien depuis « Mot de passe oublié ».',
    when: 'sending a new invitation to an account that has already set its password',
  },
});
