import { defineErrors } from '../common/errors/catalogue';

/** Refusals of sign-in, through a password or an OpenID provider. */
export const AUTH_ERRORS = defineErrors('auth', {
  INVALID_CREDENTIALS: {
    status: 401,
    detail: 'Adresse e-mail ou mot de passe incorrect.',
    when: 'a wrong e-mail or password, or a deactivated account (never says which)',
  },
  SECOND_FACTOR_INVALID: {
    status: 401,
    detail:
      'Ce code ne convient pas. Saisissez le code affiché maintenant par votre application, ou un code de secours.',
    when: 'a TOTP code that is wrong, out of time or already used, or a recovery code unknown or used',
  },
  SECOND_FACTOR_EXPIRED: {
    status: 401,
    detail:
      'Cette connexion a expiré. Saisissez de nouveau votre adresse e-mail et votre mot de passe.',
    when: 'a second step whose sign-in is unknown, older than its time limit, past its 5 codes, or whose account changed since',
  },
  SECOND_FACTOR_ALREADY_SET: {
    status: 409,
    detail: 'Une application d’authentification est déjà configurée pour ce compte.',
    when: 'setting up a second factor on an account that has a confirmed one',
  },
  SECOND_FACTOR_NOT_SET: {
    status: 409,
    detail: 'Aucune application d’authentification n’est configurée pour ce compte.',
    when: 'confirming a set-up never begun, or renewing codes of, or removing, a factor that does not exist',
  },
  SECOND_FACTOR_SETUP_INVALID: {
    status: 400,
    detail:
      'Cette configuration a expiré ou ne correspond pas à ce compte. Recommencez l’ajout de l’application.',
    when: 'confirming an app with a `setup` that is missing, altered, made for another account, or past its time',
  },
  SECOND_FACTOR_UNREADABLE: {
    status: 409,
    detail:
      'Votre application d’authentification ne peut pas être vérifiée : la clé qui la protège sur ce service a changé. Utilisez un code de secours, ou demandez à un administrateur de réinitialiser votre double authentification.',
    when: 'a TOTP secret that TOTP_KEY cannot open (the key changed, e.g. a restore without it); recovery codes still work',
  },
  SECOND_FACTOR_MANDATORY: {
    status: 409,
    detail: 'La double authentification est obligatoire pour un compte administrateur.',
    when: 'an administrator removing their own second factor',
  },
  SECOND_FACTOR_OWN_RESET: {
    status: 409,
    detail:
      'Vous ne pouvez pas réinitialiser votre propre double authentification : utilisez « Mon compte », ou demandez-le à un autre administrateur.',
    when: 'an administrator resetting the second factor of their own account',
  },
  SSO_NOT_CONFIGURED: {
    status: 404,
    detail: 'La connexion par un fournisseur d’identité n’est pas proposée ici.',
    when: 'single sign-on asked while OIDC_ISSUER is not set',
  },
  SSO_UNAVAILABLE: {
    status: 503,
    detail:
      '{provider} ne répond pas pour le moment. Réessayez dans quelques minutes, ou connectez-vous avec votre mot de passe.',
    when: 'the OpenID provider could not be reached (discovery, token or userinfo endpoint)',
  },
  SSO_REFUSED: {
    status: 401,
    detail: 'La connexion avec {provider} n’a pas abouti. Recommencez depuis la page de connexion.',
    when: 'an answer from the provider that does not match a sign-in begun in this browser, or whose code or ID token is refused (state, replay, audience, expiry, signature)',
  },
  SSO_EMAIL_MISSING: {
    status: 422,
    detail: '{provider} n’a pas donné d’adresse e-mail : l’accès ne peut pas être demandé.',
    when: 'the provider vouched for someone without an e-mail claim',
  },
  SSO_ACCOUNT_INACTIVE: {
    status: 403,
    detail: 'Ce compte est désactivé ou attend la confirmation d’un second administrateur.',
    when: 'single sign-on into a deactivated account, or an administrator not yet confirmed',
  },
  SSO_IDENTITY_CONFLICT: {
    status: 409,
    detail:
      'Ce compte est déjà relié à une autre identité {provider}. Un administrateur doit vérifier.',
    when: 'a verified e-mail of an account already linked to another subject at the same provider',
  },
  ACCESS_REQUEST_DECIDED: {
    status: 409,
    detail: 'Cette demande d’accès a déjà été traitée.',
    when: 'granting, confirming or refusing an access request that is no longer pending',
  },
  ACCESS_REQUEST_NOT_ACCREDITED: {
    status: 409,
    detail:
      'Votre structure n’est plus habilitée : seul un administrateur du département peut donner cet accès.',
    when: "an association's people confirm a colleague after the association's accreditation ended",
  },
});
