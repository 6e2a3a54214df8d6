import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource, EntityManager, In } from 'typeorm';
import { AuditService } from '../audit/audit.service';
import type { Actor } from '../common/access/role';
import { canActOnSite, siteFilter } from '../common/access/scope';
import { NotFoundError } from '../common/errors/common.errors';
import { violatedConstraint } from '../database/sql';
import { DistributionSite } from './distribution-site.entity';
import { CreateSiteDto, SiteDto, UpdateSiteDto } from './dto/site.dto';
import { SITE_ERRORS } from './site.errors';

@Injectable()
export class SitesService {
  constructor(
    @InjectDataSource() private readonly dataSource: DataSource,
    private readonly audit: AuditService,
  ) {}

  async create(actor: Actor, dto: CreateSiteDto): Promise<SiteDto> {
    return this.write(async (em) => {
      const site = em.create(DistributionSite, { ...dto, phone: dto.phone ?? null, active: true });
      await em.save(site);
      await this.audit.record(em, actor, {
        action: 'distribution_site.created',
        entityType: 'distribution_site',
        entityId: site.id,
        after: SiteDto.from(site),
      });
      return SiteDto.from(site);
    });
  }

  async update(actor: Actor, id: string, dto: UpdateSiteDto): Promise<SiteDto> {
    return this.write(async (em) => {
      const site = await em.findOne(DistributionSite, {
        where: { id },
        lock: { mode: 'for_no_key_update' },
      });
      if (!site) throw new NotFoundError('Lieu de remise', id);
      const before = SiteDto.from(site);
      Object.assign(site, dto);
      await em.save(site);
      await this.audit.record(em, actor, {
        action: 'distribution_site.updated',
        entityType: 'distribution_site',
        entityId: site.id,
        before,
        after: SiteDto.from(site),
      });
      return SiteDto.from(site);
    });
  }

  /** Sites by name; a prescriber sees their own only. */
  async list(actor: Actor): Promise<SiteDto[]> {
    const only = siteFilter(actor);
    const sites = await this.dataSource.manager.find(DistributionSite, {
      where: only ? { id: In(only) } : {},
      order: { name: 'ASC' },
    });
    return sites.map((s) => SiteDto.from(s));
  }

  /** One site, as the caller may see it (404 for a prescriber's other sites). */
  async get(actor: Actor, id: string, em = this.dataSource.manager): Promise<DistributionSite> {
    const site = await em.findOneBy(DistributionSite, { id });
    if (!site || !canActOnSite(actor, site.id)) throw new NotFoundError('Lieu de remise', id);
    return site;
  }

  /**
   * A site that receives stock (print run, transfer) or hands it out, share-locked so that it
   * cannot close meanwhile. `scoped`: the caller must act on it (false for the receiving site of a
   * prescriber's transfer, which is another site's).
   */
  async lockOpen(
    em: EntityManager,
    actor: Actor,
    id: string,
    scoped = true,
  ): Promise<DistributionSite> {
    const site = await em.findOne(DistributionSite, {
      where: { id },
      lock: { mode: 'pessimistic_read' },
    });
    if (!site || (scoped && !canActOnSite(actor, site.id)))
      throw new NotFoundError('Lieu de remise', id);
    if (!site.active) throw SITE_ERRORS.error('SITE_CLOSED', { name: site.name });
    return site;
  }

  private async write<T>(work: (em: EntityManager) => Promise<T>): Promise<T> {
    try {
      return await this.dataSource.transaction(work);
    } catch (err) {
      if (violatedConstraint(err) === 'uq_distribution_site_name')
        throw SITE_ERRORS.fieldError('SITE_NAME_TAKEN', 'name', 'name already used');
      throw err;
    }
  }
}
