/**
 * Every PostgreSQL advisory lock the application takes, in one place so that no two uses share a
 * key by accident.
 */
export const ADVISORY_LOCKS = {
  /** Applying migrations: one instance at a time. */
  migrations: 7_310_042_001,
  // 7_310_042_002 was the single audit chain's lock, until the AuditChains migration: not reused.
  /** Creating the first administrator. */
  firstAdmin: 7_310_042_003,
  /** The personal-data retention job. */
  retention: 7_310_042_004,
  /** Preparing a payment batch: one at a time, so that a statement is never put in two. */
  paymentBatch: 7_310_042_005,
} as const;
