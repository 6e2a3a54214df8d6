import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { once } from 'node:events';
import type { Writable } from 'node:stream';
import { DataSource, EntityManager } from 'typeorm';
import { AuditService } from '../audit/audit.service';
import type { Actor } from '../common/access/role';
import { frenchDate, parisToday } from '../common/dates';
import { frenchCount } from '../common/french-words';
import { Programme } from '../programmes/programme.entity';
import { ProgrammesService } from '../programmes/programmes.service';
import { ReconciliationService } from '../statements/reconciliation.service';
import { closingCsv, closingPdf } from './closing-report';
import { CLOSING_ERRORS } from './closing.errors';
import * as queries from './closing.queries';
import { ClosingDto, ClosingFiguresDto } from './dto/closing.dto';

/**
 * The end of a programme: after its claim deadline, once nothing is pending (claims in progress,
 * statements not approved or not paid, corrections not carried), an administrator closes it; the
 * budget not spent is released and the report's figures are frozen, reconciled to the cent.
 */
@Injectable()
export class ClosingService {
  constructor(
    @InjectDataSource() private readonly dataSource: DataSource,
    private readonly audit: AuditService,
    private readonly programmes: ProgrammesService,
    private readonly reconciliation: ReconciliationService,
  ) {}

  /** Whether it can be closed, why not, and the figures it would be closed with. */
  async preview(id: string): Promise<ClosingDto> {
    return this.state(
      this.dataSource.manager,
      await this.programmes.find(this.dataSource.manager, id),
    );
  }

  async close(actor: Actor, id: string): Promise<ClosingDto> {
    return this.dataSource.transaction(async (em) => {
      const programme = await this.programmes.lockForClosing(em, id);
      if (programme.closedAt) throw CLOSING_ERRORS.error('PROGRAMME_ALREADY_CLOSED');
      const state = await this.state(em, programme);
      if (!state.closable)
        throw CLOSING_ERRORS.error(
          'PROGRAMME_NOT_CLOSABLE',
          { reasons: state.reasons.join(' ') },
          { reasons: state.reasons },
        );
      const f = state.figures;
      const before = { committedCents: programme.committedCents, closedAt: null };
      await this.programmes.markClosed(em, programme, actor.id, { ...f }, f.netPaidCents);
      await this.audit.record(em, actor, {
        action: 'programme.closed',
        entityType: 'programme',
        entityId: programme.id,
        before,
        after: {
          committedCents: f.netPaidCents,
          releasedCents: f.releasedCents,
          closedAt: programme.closedAt!.toISOString(),
        },
      });
      return this.state(em, programme);
    });
  }

  /** The closing report (frozen figures) as CSV or PDF; a programme still open has none. */
  async writeReport(
    id: string,
    format: 'csv' | 'pdf',
    out: Writable,
    onReady: (fileName: string) => void,
  ): Promise<void> {
    const programme = await this.programmes.find(this.dataSource.manager, id);
    if (!programme.closedAt) throw CLOSING_ERRORS.error('PROGRAMME_NOT_CLOSED');
    const report = await this.state(this.dataSource.manager, programme);
    onReady(`cloture-${programme.id}.${format}`);
    if (format === 'csv') out.end(closingCsv(report));
    else {
      const doc = closingPdf(report);
      doc.pipe(out);
      doc.end();
    }
    await once(out, 'finish');
  }

  private async state(em: EntityManager, p: Programme): Promise<ClosingDto> {
    const figures = p.closingReport
      ? (p.closingReport as unknown as ClosingFiguresDto)
      : await this.figures(em, p);
    const reasons = p.closedAt ? [] : await this.reasons(em, p, figures);
    const closer = p.closedBy
      ? await em.query<{ who: string }[]>(
          `SELECT coalesce(display_name, email) AS who FROM app_user WHERE id = $1`,
          [p.closedBy],
        )
      : [];
    return {
      programmeId: p.id,
      programmeName: p.name,
      claimDeadline: p.claimDeadline,
      closable: !p.closedAt && reasons.length === 0,
      reasons,
      figures,
      closedAt: p.closedAt?.toISOString() ?? null,
      closedBy: closer[0]?.who ?? null,
    };
  }

  private async figures(em: EntityManager, p: Programme): Promise<ClosingFiguresDto> {
    const r = await this.reconciliation.reconciliation(p.id, em);
    const [c] = await queries.programmeCounts(em, p.id);
    const paid = Number(c.paid_cents);
    const netPaid = paid - r.correctionsSettledCents;
    const released = p.committedCents - netPaid;
    // Before the expiry date unused cheques are still outstanding, not expired.
    const expired = r.expiredCents + r.outstandingCents;
    return {
      budgetCents: p.budgetCents,
      committedBeforeCents: p.committedCents,
      bookletsIssued: c.booklets_issued,
      bookletsHandedOver: c.booklets_handed_over,
      bookletsNeverHandedOver: c.booklets_in_stock,
      bookletsCancelled: c.booklets_cancelled,
      chequesIssued: c.cheques_issued,
      issuedCents: r.issuedCents,
      chequesRedeemed: c.cheques_redeemed,
      redeemedCents: r.redeemedCents,
      claimedCents: r.onStatementsCents,
      paidCents: paid,
      owedBackCents: r.owedBackCents,
      correctionsSettledCents: r.correctionsSettledCents,
      netPaidCents: netPaid,
      chequesExpired: c.cheques_expired,
      expiredCents: expired,
      chequesCancelled: c.cheques_cancelled,
      cancelledCents: r.cancelledCents,
      unclaimedCents: r.unclaimedCents,
      releasedCents: released,
      reconciled:
        r.issuedBalanced &&
        r.redeemedBalanced &&
        r.owedBackBalanced &&
        p.committedCents === r.issuedCents - r.cancelledCents &&
        released === expired + r.unclaimedCents + r.owedBackCents - r.correctionsPendingCents &&
        r.onClaimsCents === 0,
    };
  }

  /** Why the programme cannot be closed yet, in French (none: it can). */
  private async reasons(em: EntityManager, p: Programme, f: ClosingFiguresDto): Promise<string[]> {
    const reasons: string[] = [];
    if (parisToday() <= p.claimDeadline)
      reasons.push(
        `La date limite de demande de remboursement (${frenchDate(p.claimDeadline)}) n’est pas passée.`,
      );
    const [w] = await queries.pending(em, p.id);
    if (w.open_claims)
      reasons.push(
        `${frenchCount(w.open_claims, 'demande', 'demandes')} de remboursement en cours, à traiter ou rejeter.`,
      );
    if (w.statements_issued)
      reasons.push(
        `${frenchCount(w.statements_issued, 'état', 'états')} de remboursement à approuver.`,
      );
    if (w.statements_unpaid)
      reasons.push(
        `${frenchCount(w.statements_unpaid, 'état approuvé', 'états approuvés')} pas encore payé${w.statements_unpaid > 1 ? 's' : ''}.`,
      );
    if (w.corrections_pending)
      reasons.push(
        `${frenchCount(w.corrections_pending, 'régularisation', 'régularisations')} à reporter sur un état.`,
      );
    if (reasons.length === 0 && !f.reconciled)
      reasons.push('Les comptes du dispositif ne sont pas équilibrés : signalez-le au support.');
    return reasons;
  }
}
