import { withDataSource } from '../database/cli';
import { verifyAuditChain } from './audit-verify';

/** `npm run audit:verify`: exit 0 when the chain is intact, 1 with the first bad row otherwise. */
async function main(): Promise<void> {
  const result = await withDataSource((ds) => verifyAuditChain(ds));
  if (result.ok) {
    console.log(`Audit chain intact: ${result.checked} events verified.`);
    return;
  }
  console.error(
    `Audit chain BROKEN at event id ${result.firstBadId}: ${result.reason} (${result.checked} events verified before it).`,
  );
  process.exitCode = 1;
}

main().catch((err: unknown) => {
  console.error(err instanceof Error ? err.message : err);
  process.exit(2);
});
