import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource } from 'typeorm';
import { AuditService } from '../audit/audit.service';
import { BeneficiariesService } from '../beneficiaries/beneficiaries.service';
import type { Actor } from '../common/access/role';
import { canActOnSite } from '../common/access/scope';
import { frenchDate, parisToday } from '../common/dates';
import { NotFoundError } from '../common/errors/common.errors';
import { Programme } from '../programmes/programme.entity';
import { SitesService } from '../sites/sites.service';
import { Booklet } from './booklet.entity';
import { BOOKLET_ERRORS } from './booklet.errors';
import { BookletsService } from './booklets.service';
import { normalizeCoverToken } from './codes/cover-token';
import { BookletDto, HandoverDto, HandoverResultDto } from './dto/booklet.dto';

/**
 * Handing a booklet of stock to a resident: the least data the programme asks is recorded and the
 * booklet becomes ACTIVE — before that, none of its cheques is redeemable (CHEQUE_NOT_ACTIVATED).
 */
@Injectable()
export class HandoverService {
  constructor(
    @InjectDataSource() private readonly dataSource: DataSource,
    private readonly audit: AuditService,
    private readonly beneficiaries: BeneficiariesService,
    private readonly booklets: BookletsService,
    private readonly sites: SitesService,
  ) {}

  async handover(actor: Actor, id: string, dto: HandoverDto): Promise<HandoverResultDto> {
    return this.dataSource.transaction(async (em) => {
      const found = await em.findOneBy(Booklet, { id });
      if (!found || !canActOnSite(actor, found.siteId)) throw new NotFoundError('Carnet', id);
      // Lock order: programme, then site, then booklet.
      const programme = await em.findOneOrFail(Programme, {
        where: { id: found.programmeId },
        lock: { mode: 'pessimistic_read' },
      });
      if (found.siteId) await this.sites.lockOpen(em, actor, found.siteId);
      const booklet = await em.findOneOrFail(Booklet, {
        where: { id },
        lock: { mode: 'for_no_key_update' },
      });
      const notInStock = () =>
        BOOKLET_ERRORS.error('BOOKLET_NOT_IN_STOCK', { number: booklet.number });
      if (booklet.status !== 'IN_STOCK') throw notInStock();
      if (booklet.transferId)
        throw BOOKLET_ERRORS.error('BOOKLET_IN_TRANSIT', { number: booklet.number });
      if (parisToday() > programme.expiresOn)
        throw BOOKLET_ERRORS.error('HANDOVER_AFTER_EXPIRY', {
          expiresOn: frenchDate(programme.expiresOn),
        });
      const beneficiary = await this.beneficiaries.create(
        em,
        dto.beneficiary,
        programme.allowBeneficiaryNames,
      );
      await this.audit.changeState(em, actor, booklet, {
        action: 'booklet.handed_over',
        entityType: 'booklet',
        from: ['IN_STOCK'],
        to: 'ACTIVE',
        refuse: notInStock,
        set: { beneficiaryId: beneficiary.id, handedOverAt: new Date(), handedOverBy: actor.id },
        before: { siteId: booklet.siteId },
        after: { siteId: booklet.siteId, beneficiaryReference: beneficiary.reference },
      });
      return {
        booklet: await this.booklets.detail(em, id),
        letterUrl: `/api/booklets/${id}/letter.pdf`,
      };
    });
  }

  /** The booklet of a scanned cover (its `/carnet/<token>` URL, or the token typed), as the caller may see it. */
  async byCover(actor: Actor, input: string): Promise<BookletDto> {
    const token = normalizeCoverToken(
      input
        .trim()
        .replace(/^.*\/carnet\//i, '')
        .replace(/\/$/, ''),
    );
    const booklet = token
      ? await this.dataSource.manager.findOne(Booklet, {
          where: { coverToken: token },
          select: { id: true, siteId: true },
        })
      : null;
    if (!booklet || !canActOnSite(actor, booklet.siteId)) throw new NotFoundError('Carnet');
    return this.booklets.detail(this.dataSource.manager, booklet.id);
  }
}
