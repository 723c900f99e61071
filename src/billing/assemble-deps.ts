import { createLedgerEngine, DEFAULT_ENGINE_LIMITS, type EngineLimits, type FollowUps } from '../ledger/engine.js';
import { newId } from '../domain/ids.js';
import { fanOutPendingEvents } from '../notifications/publish.js';
import type { BillingDeps } from './deps.js';
import { issuePendingPeriodInvoices } from './period-invoices.js';

/**
 * Assembles what every use case is handed, once, where the app is put together (the server, the
 * CLI, the tests): the given parts plus the ledger engine, whose follow-ups — the invoices of the
 * periods a cycle closed, then the notifications of the events it wrote — run after its commits.
 */
export function assembleBillingDeps(
  parts: Omit<BillingDeps, 'ledger'> & {
    readonly engineLimits?: Partial<EngineLimits>;
    readonly onError?: (error: unknown) => void;
    /** Where the engine's phase profile goes (LOUPE_ENGINE_PROFILE=1). */
    readonly profile?: (line: string) => void;
  },
): BillingDeps {
  const { engineLimits, onError, profile, ...rest } = parts;
  const deps: BillingDeps = {
    ...rest,
    ledger: createLedgerEngine({
      db: rest.db,
      clock: rest.clock,
      rules: { catalog: rest.catalog, holdTtlSeconds: rest.holdTtlSeconds, newId },
      limits: { ...DEFAULT_ENGINE_LIMITS, ...engineLimits },
      followUp: (work) => runFollowUps(deps, work),
      onError: onError ?? logFollowUpFailure,
      ...(profile ? { profile } : {}),
    }),
  };
  return deps;
}

async function runFollowUps(deps: BillingDeps, work: FollowUps): Promise<void> {
  if (work.closingOrgIds.length > 0) await issuePendingPeriodInvoices(deps, work.closingOrgIds);
  if (work.eventOrgIds.length > 0) await fanOutPendingEvents(deps, work.eventOrgIds);
}

/** One JSON line on stderr in pino's shape; the jobs retry what failed (the rows are durable). */
function logFollowUpFailure(error: unknown): void {
  const err = error instanceof Error ? { type: error.name, message: error.message, stack: error.stack } : { message: String(error) };
  process.stderr.write(`${JSON.stringify({ level: 50, time: Date.now(), err, msg: 'ledger follow-up failed; the billing jobs will retry it' })}\n`);
}
