import { RunningDatabase } from '../src/database/embedded/embedded-postgres';
import { ServiceProcess, startService } from '../test/support/service-process';
import { startThrowawayPostgres } from '../test/support/throwaway-postgres';

export { api, benchEnv, benchWorld, createAdminOnServer, median } from '../test/support/world';
export type { BenchWorld } from '../test/support/world';
export { signInAt } from '../test/support/second-factor';

/** A throwaway PostgreSQL cluster, as the tests use. */
export const benchDatabase = (): Promise<RunningDatabase> =>
  startThrowawayPostgres('pass_numerique');

export type BenchService = ServiceProcess;

/** The compiled service (dist/, built by the bench script) as its own process. */
export const startCompiledService = (
  env: Record<string, string>,
  nodeArgs: string[] = [],
): Promise<BenchService> => startService(env, { compiled: true, nodeArgs, keepOutput: 20_000 });
