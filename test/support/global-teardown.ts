import type { RunningDatabase } from '../../src/database/embedded/embedded-postgres';

export default async function globalTeardown(): Promise<void> {
  await (globalThis as { __PN_TEST_DB__?: RunningDatabase }).__PN_TEST_DB__?.stop();
}
