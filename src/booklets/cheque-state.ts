import type { Cheque } from './cheque.entity';
import type { ChequeDisplayStatus } from './dto/booklet.dto';

/**
 * A cheque's state as people see it, the one derivation used by the booklet views and the public
 * check: "expired" is not stored, it is an ISSUED cheque after the programme's last day (Paris);
 * "not activated" is an ISSUED cheque of a booklet still in stock (not handed over).
 */
export function chequeState(
  status: Cheque['status'],
  expiresOn: string,
  today: string,
  bookletStatus: string,
): ChequeDisplayStatus {
  if (status !== 'ISSUED') return status;
  if (today > expiresOn) return 'EXPIRED';
  return bookletStatus === 'IN_STOCK' ? 'NOT_ACTIVATED' : status;
}
