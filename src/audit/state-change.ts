import type { DomainError } from '../common/errors/domain-error';

/**
 * One state change of a locked row, described once and applied by `AuditService.changeState`:
 * check the current status, assign the new one and its columns, save, audit before/after.
 * Every status change of the money path goes through it (statements, claims, redemptions,
 * booklets, payment batches, accreditations).
 */
export interface StateChange<E extends { id: string; status: string }> {
  /** `entity.verb` of the audit event, e.g. `statement.approved`. */
  action: string;
  entityType: string;
  /** The statuses the change starts from. */
  from: readonly E['status'][];
  to: E['status'];
  /** The refusal when the row is in another status (its current status given). */
  refuse: (current: E['status']) => DomainError;
  /** Columns set together with the status. */
  set?: Partial<Omit<E, 'id' | 'status'>>;
  /**
   * Writes that follow the saved row and precede the audit event (the audit event is the last
   * write of every transaction): e.g. releasing a cancelled batch's lines, which the database
   * allows only once the batch is CANCELLED.
   */
  thenWrite?: () => Promise<void>;
  /** More of the audit snapshots than the status (the status is always in both). */
  before?: Record<string, unknown>;
  after?: Record<string, unknown>;
}

/** Refuses unless the row is in one of the change's starting statuses (check early, apply later). */
export function assertFrom<E extends { id: string; status: string }>(
  entity: E,
  from: readonly E['status'][],
  refuse: (current: E['status']) => DomainError,
): void {
  if (!from.includes(entity.status)) throw refuse(entity.status);
}
