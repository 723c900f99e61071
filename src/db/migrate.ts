import { Migrator, type Migration, type MigrationProvider } from 'kysely';
import type { Db } from './database.js';
import * as ledger from './migrations/0001-ledger.js';
import * as billing from './migrations/0002-billing.js';
import * as notifications from './migrations/0003-notifications.js';
import * as historyIndexes from './migrations/0004-history-indexes.js';
import * as loginFailures from './migrations/0005-login-failures.js';
import * as rowLevelSecurity from './migrations/0006-row-level-security.js';
import * as grantOrder from './migrations/0007-grant-order.js';
import * as invitations from './migrations/0008-invitations.js';
import * as finalInvoices from './migrations/0009-final-invoices.js';
import * as ledgerEngine from './migrations/0010-ledger-engine.js';
import * as ledgerWrite from './migrations/0011-ledger-write.js';
import * as paymentCard from './migrations/0012-payment-card.js';
import * as userLimits from './migrations/0013-user-limits.js';
import * as auditLog from './migrations/0014-audit-log.js';
import * as platformAudit from './migrations/0015-platform-audit.js';
import * as refunds from './migrations/0016-refunds.js';
import * as disputes from './migrations/0017-disputes.js';

/** Versioned migrations, applied in name order. Add a file to migrations/ and a line here. */
const MIGRATIONS: Record<string, Migration> = {
  '0001-ledger': ledger,
  '0002-billing': billing,
  '0003-notifications': notifications,
  '0004-history-indexes': historyIndexes,
  '0005-login-failures': loginFailures,
  '0006-row-level-security': rowLevelSecurity,
  '0007-grant-order': grantOrder,
  '0008-invitations': invitations,
  '0009-final-invoices': finalInvoices,
  '0010-ledger-engine': ledgerEngine,
  '0011-ledger-write': ledgerWrite,
  '0012-payment-card': paymentCard,
  '0013-user-limits': userLimits,
  '0014-audit-log': auditLog,
  '0015-platform-audit': platformAudit,
  '0016-refunds': refunds,
  '0017-disputes': disputes,
};

const provider: MigrationProvider = { getMigrations: async () => MIGRATIONS };

export async function migrateToLatest(db: Db): Promise<string[]> {
  const migrator = new Migrator({ db, provider });
  const { error, results } = await migrator.migrateToLatest();
  if (error) throw error instanceof Error ? error : new Error(String(error));
  return (results ?? []).filter((result) => result.status === 'Success').map((result) => result.migrationName);
}
