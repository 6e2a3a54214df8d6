import { defineErrors } from '../common/errors/catalogue';

/** Refusals about the outbox of e-mail. */
export const MAIL_ERRORS = defineErrors('mail', {
  MESSAGE_NOT_RETRYABLE: {
    status: 409,
    detail: 'Seul un message en échec peut être renvoyé : celui-ci est {status}.',
    when: 'retrying a message that is not FAILED (pending, sent, or expired)',
  },
});
