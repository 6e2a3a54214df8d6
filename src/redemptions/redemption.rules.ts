import { formatChequeCode } from '../booklets/codes/cheque-code';
import { frenchDate, parisToday, shiftDay } from '../common/dates';
import type { ChequeRefusal } from './refusals';

/**
 * The rules of redemption as pure functions of their facts: the service applies them inside its
 * transaction, the pages use the same ones to decide what to offer. Unit-tested in
 * redemption.rules.spec.ts.
 */

/** What the rules need to know about a cheque. */
export interface ChequeFacts {
  id: string;
  code: string;
  status: 'ISSUED' | 'REDEEMED' | 'CANCELLED';
  face_value_cents: number;
  position: number;
  booklet_number: string;
  booklet_status: string;
  valid_from: string;
  expires_on: string;
  activities: string[];
  redeemed_on: string | null;
}

/** Why a cheque cannot be redeemed today for a session on `sessionDate`, or null. */
export function chequeRefusal(
  code: string,
  facts: ChequeFacts | undefined,
  today: string,
  sessionDate: string,
): ChequeRefusal | null {
  const printed = formatChequeCode(code);
  if (!facts) return { code: printed, refusal: 'CHEQUE_UNKNOWN' };
  if (facts.status === 'REDEEMED')
    return {
      code: printed,
      refusal: 'CHEQUE_ALREADY_REDEEMED',
      ...(facts.redeemed_on ? { redeemedOn: frenchDate(facts.redeemed_on) } : {}),
    };
  // A cheque of a cancelled booklet is never redeemable, whatever its own row says.
  if (facts.status === 'CANCELLED' || facts.booklet_status === 'CANCELLED')
    return { code: printed, refusal: 'CHEQUE_CANCELLED' };
  // Stock not yet handed to anyone: a stolen box is worth nothing.
  if (facts.booklet_status === 'IN_STOCK')
    return { code: printed, refusal: 'CHEQUE_NOT_ACTIVATED' };
  if (today > facts.expires_on) return { code: printed, refusal: 'CHEQUE_EXPIRED' };
  if (sessionDate < facts.valid_from || today < facts.valid_from)
    return { code: printed, refusal: 'CHEQUE_NOT_YET_VALID' };
  return null;
}

/** The earliest session date accepted today. */
export function earliestSessionDate(today: string, backdateDays: number): string {
  return shiftDay(today, -backdateDays);
}

/** What decides whether a redemption can still be cancelled by its association. */
export interface CancellableFacts {
  status: string;
  claimId: string | null;
  createdAt: Date;
}

/** The last Paris day on which a redemption made at `createdAt` can be cancelled. */
export function lastCancellationDay(createdAt: Date, cancelDays: number): string {
  return shiftDay(parisToday(createdAt), cancelDays);
}

/** Why a redemption cannot be cancelled on `today` (a Paris day), or null when it can. */
export function cancellationRefusal(
  r: CancellableFacts,
  today: string,
  cancelDays: number,
): 'REDEMPTION_NOT_ACTIVE' | 'REDEMPTION_CLAIMED' | 'CANCELLATION_DELAY_PASSED' | null {
  if (r.status !== 'ACTIVE') return 'REDEMPTION_NOT_ACTIVE';
  if (r.claimId) return 'REDEMPTION_CLAIMED';
  if (today > lastCancellationDay(r.createdAt, cancelDays)) return 'CANCELLATION_DELAY_PASSED';
  return null;
}
