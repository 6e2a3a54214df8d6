import { defineErrors } from '../common/errors/catalogue';

/** Refusals of the pages (forms). */
export const PAGE_ERRORS = defineErrors('web', {
  CSRF_TOKEN_INVALID: {
    status: 403,
    detail: 'Le formulaire a expiré ou ne vient pas de ce site : rechargez la page et recommencez.',
    when: 'a form or a cookie-authenticated API call without the CSRF token of its session',
  },
});
