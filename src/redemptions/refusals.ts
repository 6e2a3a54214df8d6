import { DomainError } from '../common/errors/domain-error';

/** Every reason a cheque can be refused, with its HTTP status and the sentence staff read. */
export const REFUSALS = {
  CODE_MALFORMED: { status: 400, detail: "Ce code n'a pas la forme d'un code de chèque." },
  CODE_CHECK_FAILED: {
    status: 422,
    detail: 'Ce code contient probablement une faute de frappe : vérifiez-le.',
  },
  CHEQUE_UNKNOWN: { status: 404, detail: 'Aucun chèque ne porte ce code.' },
  CHEQUE_ALREADY_REDEEMED: { status: 409, detail: 'Ce chèque a déjà été encaissé.' },
  CHEQUE_CANCELLED: {
    status: 410,
    detail: 'Ce chèque a été annulé (carnet perdu, volé ou remplacé).',
  },
  CHEQUE_EXPIRED: { status: 410, detail: 'Ce chèque a expiré.' },
  CHEQUE_NOT_YET_VALID: { status: 409, detail: "Ce chèque n'est pas encore valable." },
  ASSOCIATION_NOT_ACCREDITED: {
    status: 403,
    detail: "Votre structure n'est pas habilitée à encaisser des chèques à cette date.",
  },
  DUPLICATE_CODE_IN_REQUEST: {
    status: 400,
    detail: 'Le même chèque figure plusieurs fois dans la demande.',
  },
} as const;

export type RefusalCode = keyof typeof REFUSALS;

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
  return REFUSALS[r.refusal].detail;
}

/** A refusal of one or several cheques; the top-level code is the first cheque's. */
export class ChequeRefusedError extends DomainError {
  constructor(readonly refusals: ChequeRefusal[]) {
    const first = refusals[0];
    super(
      first.refusal,
      REFUSALS[first.refusal].status,
      refusals.length === 1 ? refusalSentence(first) : REFUSALS[first.refusal].detail,
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
