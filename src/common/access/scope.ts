import { ForbiddenError } from '../errors/common.errors';
import type { Actor } from './role';

/**
 * The one statement of the scoping rule: an association's staff see and act on their own
 * association's data only; département staff (ADMIN, AGENT) see every association's.
 */
export function canSeeAssociation(actor: Actor, associationId: string): boolean {
  return actor.role !== 'ASSOCIATION' || actor.associationId === associationId;
}

/** The association a list is limited to: the caller's own for its staff, else the one asked for. */
export function associationFilter(actor: Actor, requested?: string): string | undefined {
  return actor.role === 'ASSOCIATION' ? (actor.associationId ?? undefined) : requested;
}

/** The caller's association, for actions only association staff take. */
export function ownAssociationId(actor: Actor, detail?: string): string {
  if (actor.role !== 'ASSOCIATION' || !actor.associationId) throw new ForbiddenError(detail);
  return actor.associationId;
}

/**
 * The site rule: a prescriber sees and acts on the stock of their own distribution sites only;
 * département staff (ADMIN, AGENT) on every site's.
 */
export function canActOnSite(actor: Actor, siteId: string | null): boolean {
  return actor.role !== 'PRESCRIBER' || (siteId !== null && actor.siteIds.includes(siteId));
}

/** The sites a list is limited to: the prescriber's own, or none (every site) for staff. */
export function siteFilter(actor: Actor): string[] | undefined {
  return actor.role === 'PRESCRIBER' ? actor.siteIds : undefined;
}
