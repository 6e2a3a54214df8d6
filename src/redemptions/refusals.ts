import { defineErrors } from '../common/errors/catalogue';
import { DomainError } from '../common/errors/domain-error';

/**
 * Every reason a cheque can be refused, with its HTTP status and the sentence staff read. A
 * refusal names each cheque refused (`cheques`); the top-level code is the first cheque's.
 */
export const REFUSALS = defineErrors('cheques', {
  CODE_MALFORMED: {
    status: 400,
    detail: "Ce code n'a pas la forme d'un code de chèque.",
    when: 'neither a printed code nor a QR URL of this service',
  },
  CODE_CHECK_FAILED: {
    status: 422,
    detail: 'Ce code contient probablement une faute de frappe : vérifiez-le.',
    when: 'the check characters do not match (a typo); counts towards the look-up limit',
  },
  CHEQUE_UNKNOWN: {
    status: 404,
    detail: 'Aucun chèque ne porte ce code.',
    when: 'a well-formed code of no cheque; counts towards the look-up limit',
  },
  CHEQUE_ALREADY_REDEEMED: {
    status: 409,
    detail: 'Ce chèque a déjà été encaissé.',
    when: 'the cheque is on an active redemption (`redeemedOn` gives its session date)',
  },
  CHEQUE_CANCELLED: {
    status: 410,
    detail: 'Ce chèque a été annulé (carnet perdu, volé ou remplacé).',
    when: 'the cheque or its booklet is cancelled',
  },
  CHEQUE_NOT_ACTIVATED: {
    status: 409,
    detail: "Ce chèque n'a pas encore été remis à un bénéficiaire.",
    when: 'its booklet is still in stock at a distribution site (not handed over)',
  },
  CHEQUE_EXPIRED: {
    status: 410,
    detail: 'Ce chèque a expiré.',
    when: 'after the programme’s last day (Paris)',
  },
  CHEQUE_NOT_YET_VALID: {
    status: 409,
    detail: "Ce chèque n'est pas encore valable.",
    when: 'before the programme’s first day, or a session before it',
  },
  DUPLICATE_CODE_IN_REQUEST: {
    status: 400,
    detail: 'Le même chèque figure plusieurs fois dans la demande.',
    when: 'one cheque twice in one redemption',
  },
});

export type RefusalCode =
  | 'CODE_MALFORMED'
  | 'CODE_CHECK_FAILED'
  | 'CHEQUE_UNKNOWN'
  | 'CHEQUE_ALREADY_REDEEMED'
  | 'CHEQUE_CANCELLED'
  | 'CHEQUE_NOT_ACTIVATED'
  | 'CHEQUE_EXPIRED'
  | 'CHEQUE_NOT_YET_VALID'
  | 'DUPLICATE_CODE_IN_REQUEST';

export interface ChequeRefusal {
  /** The code as sent (or as printed, when it could be read). */
  code: string;
  refusal: RefusalCode;
  /** For CHEQUE_ALREADY_REDEEMED: the session date of the redemption (never who). */
  redeemedOn?: string;
}

/** The sentence staff read for one refused cheque, e.g. "Ce chèque a déjà été encaissé le 12/03/2026." */
export function refusalSentence(r: ChequeRefusal): string {
  if (r.refusal === 'CHEQUE_ALREADY_REDEEMED' && r.redeemedOn)
    return `Ce chèque a déjà été encaissé le ${r.redeemedOn}.`;
  return REFUSALS.sentence(r.refusal);
}

/** A refusal of one or several cheques; the top-level code is the first cheque's. */
export class ChequeRefusedError extends DomainError {
  constructor(readonly refusals: ChequeRefusal[]) {
    const first = refusals[0];
    super(
      first.refusal,
      REFUSALS.statusOf(first.refusal),
      refusals.length === 1 ? refusalSentence(first) : REFUSALS.sentence(first.refusal),
      {
        ...(first.redeemedOn ? { redeemedOn: first.redeemedOn } : {}),
        cheques: refusals.map((r) => ({
          code: r.code,
          refusal: r.refusal,
          detail: refusalSentence(r),
          ...(r.redeemedOn ? { redeemedOn: r.redeemedOn } : {}),
        })),
      },
    );
  }

  /** Refusals that look like guessing, counted by the lookup rate limit. */
  get isFailedLookup(): boolean {
    return this.refusals.some(
      (r) => r.refusal === 'CHEQUE_UNKNOWN' || r.refusal === 'CODE_CHECK_FAILED',
    );
  }
}
