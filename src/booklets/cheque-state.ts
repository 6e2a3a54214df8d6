import type { Cheque } from './cheque.entity';
import type { ChequeDisplayStatus } from './dto/booklet.dto';

/**
 * A cheque's state as people see it, the one derivation used by the booklet views and the public
 * check: "expired" is not stored, it is an ISSUED cheque after the programme's last day (Paris).
 */
export function chequeState(
  status: Cheque['status'],
  expiresOn: string,
  today: string,
): ChequeDisplayStatus {
  return status === 'ISSUED' && today > expiresOn ? 'EXPIRED' : status;
}
