import { withDataSource } from '../database/command';
import { verifyIntegrity } from './audit-verify';

/**
 * `npm run audit:verify`: checks the audit chain and every issued statement's sealed hash.
 * Exit 0 when both are intact, 1 naming the first bad audit row and every altered statement.
 */
async function main(): Promise<void> {
  const result = await withDataSource((ds) => verifyIntegrity(ds));
  if (result.reason) {
    const where = result.firstBadId ? ` at event id ${result.firstBadId}` : '';
    console.error(
      `Audit chain ${result.chain} BROKEN${where}: ${result.reason} (${result.checked} events verified in the intact parts of the chains).`,
    );
  } else {
    console.log(`Audit chains intact: ${result.checked} events verified.`);
  }
  if (result.brokenStatements.length) {
    console.error(
      `Statements ALTERED since issue (content no longer matches the sealed hash): ${result.brokenStatements.join(', ')}.`,
    );
  } else {
    console.log(
      `Statements intact: ${result.statementsChecked} checked against their sealed hash.`,
    );
  }
  if (!result.ok) process.exitCode = 1;
}

main().catch((err: unknown) => {
  console.error(err instanceof Error ? err.message : err);
  process.exit(2);
});
