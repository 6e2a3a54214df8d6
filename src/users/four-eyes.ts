import type { EntityManager } from 'typeorm';
import { queryRows } from '../database/sql';
import { USER_ERRORS } from './user.errors';

/**
 * Whose hands an account has been in: the account itself, everyone who ever chose its password
 * (`password_setter`, append-only — a later reset by someone else does not wash out an earlier
 * one), everyone who ever chose theirs, and so on. A self-chosen password adds no one and removes
 * no one: the person who set the previous one could have signed in and changed it. Accounts
 * created on the server (first administrator, `user:create-admin`) have no setter. UNION (not
 * UNION ALL) makes the walk end on any shape of graph, with no depth limit.
 */
const CHAINS_SQL = `
  WITH RECURSIVE chain(root, id) AS (
    SELECT u, u FROM unnest($1::uuid[]) AS u
    UNION
    SELECT c.root, p.set_by FROM chain c JOIN password_setter p ON p.user_id = c.id
  )
  SELECT a.id AS shared FROM chain a JOIN chain b ON a.id = b.id
   WHERE a.root = $2 AND b.root = $3 LIMIT 1`;

/** Records that `setBy` chose `userId`'s password (nothing when it is the account itself). */
export async function recordPasswordSetter(
  em: EntityManager,
  userId: string,
  setBy: string | null,
): Promise<void> {
  if (!setBy || setBy === userId) return;
  await em.query(
    `INSERT INTO password_setter (user_id, set_by) VALUES ($1, $2) ON CONFLICT DO NOTHING`,
    [userId, setBy],
  );
}

/**
 * Four eyes that are two people: the one who approves money (a statement, a payment batch) is
 * neither the one who prepared it nor anyone who could have signed in as them, and the reverse —
 * no person appears in both accounts' chains of password setters.
 */
export async function assertTwoPeople(
  em: EntityManager,
  preparedBy: string,
  approver: string,
  what: string,
): Promise<void> {
  const shared =
    preparedBy === approver
      ? [{ shared: approver }]
      : await queryRows<{ shared: string }>(em, CHAINS_SQL, [
          [preparedBy, approver],
          preparedBy,
          approver,
        ]);
  if (shared.length > 0) throw USER_ERRORS.error('FOUR_EYES_REQUIRED', { what });
}
