import { defineErrors } from '../common/errors/catalogue';

/** Refusals of sign-in. */
export const AUTH_ERRORS = defineErrors('auth', {
  INVALID_CREDENTIALS: {
    status: 401,
    detail: 'Adresse e-mail ou mot de passe incorrect.',
    when: 'a wrong e-mail or password, or a deactivated account (never says which)',
  },
});
