import { defineErrors } from '../common/errors/catalogue';

/** Refusals of sign-in, through a password or an OpenID provider. */
export const AUTH_ERRORS = defineErrors('auth', {
  INVALID_CREDENTIALS: {
    status: 401,
    detail: 'Adresse e-mail ou mot de passe incorrect.',
    when: 'a wrong e-mail or password, or a deactivated account (never says which)',
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
