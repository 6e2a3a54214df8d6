import { Injectable } from '@nestjs/common';
import type { EntityManager } from 'typeorm';
import { queryRows } from '../database/sql';
import type { SqlWhere } from '../database/where';

/** A cheque given back by a cancelled redemption: ISSUED again, or CANCELLED with its booklet. */
export interface RestoredCheque {
  id: string;
  status: 'ISSUED' | 'CANCELLED';
  programmeId: string;
  faceValueCents: number;
}

/**
 * ISSUED → REDEEMED for the given cheques, already locked, RETURNING the id of each that flipped:
 * the statement (placeholders of `p`) that a redemption's single write statement includes as a
 * data-modifying CTE, so that the flip, the redemption and its lines go in one round trip. The
 * one definition of a cheque's redemption; its owner is this feature.
 */
export function redeemChequesSql(p: SqlWhere, ids: string[]): string {
  return `UPDATE cheque SET status = 'REDEEMED' WHERE id = ANY(${p.next(ids)}) AND status = 'ISSUED' RETURNING id`;
}

/**
 * The only writer of the `cheque` table's status besides issuance (booklets own cheques), with
 * `redeemChequesSql` above: a redemption's cancellation calls it. Cheques are always locked in
 * ascending id before an UPDATE of several (an UPDATE alone takes rows in physical order and can
 * deadlock).
 */
@Injectable()
export class ChequesService {
  /** Shares the booklets' rows (lock order: booklet before its cheques) while their cheques move. */
  async lockBookletsShared(em: EntityManager, bookletIds: string[]): Promise<void> {
    await em.query(`SELECT id FROM booklet WHERE id = ANY($1) ORDER BY id FOR SHARE`, [bookletIds]);
  }

  /**
   * REDEEMED → ISSUED after a cancelled redemption, or → CANCELLED when the booklet was cancelled
   * meanwhile (lost, stolen): such a cheque is never redeemable again.
   */
  async restore(em: EntityManager, ids: string[]): Promise<RestoredCheque[]> {
    await em.query(`SELECT id FROM cheque WHERE id = ANY($1) ORDER BY id FOR UPDATE`, [ids]);
    const rows = await queryRows<{
      id: string;
      status: 'ISSUED' | 'CANCELLED';
      programme_id: string;
      face_value_cents: string;
    }>(
      em,
      `UPDATE cheque c
          SET status = CASE WHEN b.status = 'CANCELLED' THEN 'CANCELLED' ELSE 'ISSUED' END
         FROM booklet b
        WHERE b.id = c.booklet_id AND c.id = ANY($1) AND c.status = 'REDEEMED'
        RETURNING c.id, c.status, b.programme_id, c.face_value_cents`,
      [ids],
    );
    return rows.map((r) => ({
      id: r.id,
      status: r.status,
      programmeId: r.programme_id,
      faceValueCents: Number(r.face_value_cents),
    }));
  }

  /** ISSUED → CANCELLED for every cheque of a booklet being cancelled; returns their ids. */
  async cancelBooklet(em: EntityManager, bookletId: string): Promise<string[]> {
    return (await this.cancelBooklets(em, [bookletId])).map((c) => c.id);
  }

  /** ISSUED → CANCELLED for every cheque of these booklets (already locked); returns them. */
  async cancelBooklets(
    em: EntityManager,
    bookletIds: string[],
  ): Promise<{ id: string; programmeId: string; faceValueCents: number }[]> {
    await em.query(
      `SELECT id FROM cheque WHERE booklet_id = ANY($1::uuid[]) ORDER BY id FOR UPDATE`,
      [bookletIds],
    );
    const rows = await queryRows<{ id: string; programme_id: string; face_value_cents: string }>(
      em,
      `UPDATE cheque c SET status = 'CANCELLED' FROM booklet b
        WHERE b.id = c.booklet_id AND c.booklet_id = ANY($1::uuid[]) AND c.status = 'ISSUED'
        RETURNING c.id, b.programme_id, c.face_value_cents`,
      [bookletIds],
    );
    return rows.map((r) => ({
      id: r.id,
      programmeId: r.programme_id,
      faceValueCents: Number(r.face_value_cents),
    }));
  }
}
