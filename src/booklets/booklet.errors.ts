import { defineErrors } from '../common/errors/catalogue';

/** Refusals about booklets. */
export const BOOKLET_ERRORS = defineErrors('booklets', {
  BOOKLET_ALREADY_CANCELLED: {
    status: 409,
    detail: 'Ce carnet est déjà annulé.',
    when: 'cancelling a booklet already cancelled (a wrong-state refusal)',
  },
  BOOKLET_CANCELLED: {
    status: 409,
    detail: 'Ce carnet est annulé : il ne peut pas être imprimé.',
    when: 'printing a cancelled booklet',
  },
  BOOKLET_NOT_IN_STOCK: {
    status: 409,
    detail:
      'Le carnet {number} n’est pas en stock : il a déjà été remis à un bénéficiaire ou annulé.',
    when: 'handing over a booklet that is not IN_STOCK (a wrong-state refusal)',
  },
  BOOKLET_IN_TRANSIT: {
    status: 409,
    detail:
      'Le carnet {number} est en cours de transfert : il pourra être remis une fois sa réception enregistrée.',
    when: 'handing over a booklet whose transfer to another site is not yet received',
  },
  HANDOVER_AFTER_EXPIRY: {
    status: 409,
    detail: 'Ce dispositif a pris fin le {expiresOn} : ses carnets ne peuvent plus être remis.',
    when: "handing over a booklet after its programme's last day",
  },
  STOCK_NOT_AVAILABLE: {
    status: 409,
    detail:
      'Ces carnets ne sont pas tous en stock à « {site} » : {problems}. Rien n’a été enregistré.',
    when: 'a transfer or a loss naming booklets that are not in stock at the site (unknown, handed out, cancelled, elsewhere, in transit)',
  },
  LETTER_NEEDS_HANDOVER: {
    status: 409,
    detail:
      'Le carnet {number} n’a pas été remis à un bénéficiaire : il n’a pas de lettre d’accompagnement.',
    when: 'asking the covering letter of a booklet in stock or cancelled',
  },
  TRANSFER_RECEIVER_ONLY: {
    status: 403,
    detail: 'Seul le lieu de remise destinataire enregistre la réception de ce transfert.',
    when: 'recording the receipt of a transfer by someone who does not act on its receiving site',
  },
});
