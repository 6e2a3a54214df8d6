import type { EntityManager } from 'typeorm';
import { ForbiddenError } from '../common/errors/domain-error';
import { queryRows } from '../database/sql';

/**
 * Whose hands an account is in: the account itself, then whoever chose its password
 * (`credentials_set_by`), then whoever chose that person's password, and so on. A self-chosen
 * password does not clear the link: the person who set the previous one could have signed in and
 * changed it. Accounts created on the server (first administrator, `user:create-admin`) have none.
 */
const CHAINS_SQL = `
  WITH RECURSIVE chain(root, id, depth) AS (
    SELECT u.id, u.id, 0 FROM app_user u WHERE u.id = ANY($1::uuid[])
    UNION ALL
    SELECT c.root, u.credentials_set_by, c.depth + 1
      FROM chain c JOIN app_user u ON u.id = c.id
     WHERE u.credentials_set_by IS NOT NULL AND c.depth < 100
  )
  SELECT a.id AS shared FROM chain a JOIN chain b ON a.id = b.id
   WHERE a.root = $2 AND b.root = $3 LIMIT 1`;

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
  if (shared.length > 0)
    throw new ForbiddenError(
      `${what} doit être approuvé par une autre personne que celle qui l'a préparé, et par un compte dont elle n'a jamais choisi le mot de passe.`,
      'FOUR_EYES_REQUIRED',
    );
}
