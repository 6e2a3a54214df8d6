import type { Actor, Role } from '../common/access/role';

/**
 * Who may do what with claims and statements: the routes' `@Roles` and the actions a response
 * offers (`actions`) come from here, so a page never re-derives them.
 */
export const MAY = {
  submitClaim: ['ASSOCIATION', 'ADMIN'],
  issueClaim: ['ADMIN', 'AGENT'],
  rejectClaim: ['ADMIN', 'AGENT'],
  approveStatement: ['ADMIN'],
  payStatement: ['ADMIN'],
} as const satisfies Record<string, readonly Role[]>;

export const CLAIM_ACTIONS = ['SUBMIT', 'ISSUE', 'REJECT'] as const;
export type ClaimAction = (typeof CLAIM_ACTIONS)[number];

export const STATEMENT_ACTIONS = ['APPROVE', 'MARK_PAID'] as const;
export type StatementAction = (typeof STATEMENT_ACTIONS)[number];

const can = (roles: readonly Role[], actor: Actor) => roles.includes(actor.role);

/** What the caller may do with a claim now. */
export function claimActions(claim: { status: string }, actor: Actor): ClaimAction[] {
  const actions: ClaimAction[] = [];
  if (claim.status === 'DRAFT' && can(MAY.submitClaim, actor)) actions.push('SUBMIT');
  if (claim.status === 'SUBMITTED' && can(MAY.issueClaim, actor)) actions.push('ISSUE');
  if (claim.status === 'SUBMITTED' && can(MAY.rejectClaim, actor)) actions.push('REJECT');
  return actions;
}

/** Statuses from which a payment is recorded: outside any batch (a régie), or once its batch is sent. */
export const PAYABLE_STATUSES = ['APPROVED', 'SENT'] as const;

/**
 * What the caller may do with a statement now: approve it if it is not theirs (the four-eyes
 * check also follows who chose whose password, and is made again on approval), record its
 * payment if approved outside a batch or once its batch went to the finance department.
 */
export function statementActions(
  statement: { status: string; issuedBy: string },
  actor: Actor,
): StatementAction[] {
  const actions: StatementAction[] = [];
  if (
    statement.status === 'ISSUED' &&
    can(MAY.approveStatement, actor) &&
    statement.issuedBy !== actor.id
  )
    actions.push('APPROVE');
  if (
    (PAYABLE_STATUSES as readonly string[]).includes(statement.status) &&
    can(MAY.payStatement, actor)
  )
    actions.push('MARK_PAID');
  return actions;
}
