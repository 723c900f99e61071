import type { Clock } from '../clock.js';
import type { Db } from '../db/database.js';
import type { PlanCatalog } from '../domain/plans.js';

/** What every use case is handed: the database, the one clock, the plan catalog and the limits. */
export interface BillingDeps {
  readonly db: Db;
  readonly clock: Clock;
  readonly catalog: PlanCatalog;
  readonly holdTtlSeconds: number;
}
