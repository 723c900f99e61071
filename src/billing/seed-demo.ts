import { ManualClock } from '../clock.js';
import { anyOrgExists, orgRowExists } from '../db/orgs.js';
import type { BillingDeps } from './deps.js';
import { createOrg } from './create-org.js';
import { recordUsage } from './record-usage.js';
import { addMember } from '../identity/add-member.js';
import { addPaymentMethod } from './payment-methods.js';
import { purchaseCredits } from './purchase-credits.js';
import { runDueJobs } from '../jobs/run-due-jobs.js';

export const DEMO_ORG_ID = 'demo';
export const DEMO_LOGINS = [
  { email: 'admin@demo.loupe.test', password: 'demo-admin-pass', name: 'Ada Admin', role: 'admin' },
  { email: 'maria@demo.loupe.test', password: 'demo-member-pass', name: 'Maria Member', role: 'member' },
  { email: 'sam@demo.loupe.test', password: 'demo-member-pass', name: 'Sam Member', role: 'member' },
] as const;

const DAY_MS = 24 * 60 * 60 * 1_000;
const HISTORY_DAYS = 30;

const ACTIONS: Record<string, readonly string[]> = {
  assistant: ['chat', 'draft-reply', 'summarize-thread'],
  reports: ['generate-report', 'explain-chart'],
  documents: ['summarize-document', 'extract-fields'],
  inspections: ['analyze-photo', 'write-findings'],
  analytics: ['forecast', 'detect-anomalies'],
};

/** A small deterministic generator, so every demo database tells the same story. */
function random(seed: number): () => number {
  let state = seed;
  return () => {
    state = (state * 1_103_515_245 + 12_345) % 2_147_483_648;
    return state / 2_147_483_648;
  };
}

/**
 * The demo org: the team plan, an admin and two members, a card, a credit purchase, and 30 days of
 * varied usage over every module, with the period invoices a real org would have. History is replayed through the real use cases with a clock that walks forward from 40
 * days ago, so the ledger (including the period rollover on the way) is exactly what it would be.
 */
export async function seedDemo(deps: BillingDeps): Promise<void> {
  const end = deps.clock.now();
  const clock = new ManualClock(new Date(end.getTime() - 40 * DAY_MS));
  const replay: BillingDeps = { ...deps, clock };
  const [admin, ...members] = DEMO_LOGINS;
  const created = await createOrg(replay, {
    id: DEMO_ORG_ID,
    name: 'Loupe Demo Co',
    plan: 'team',
    billingAddress: { country: 'US', region: 'CA', postal_code: '94105', city: 'San Francisco', line1: '1 Market St' },
    admin: { email: admin.email, name: admin.name, password: admin.password },
  });
  const users: { id: string; name: string; email: string }[] = [{ id: created.admin.user_id, name: admin.name, email: admin.email }];
  for (const member of members) {
    const added = await addMember(replay, { orgId: DEMO_ORG_ID, email: member.email, name: member.name, role: member.role, password: member.password, actor: { kind: 'platform' } });
    if (added.user_id === null) throw new Error(`demo member ${member.email} was invited, not added`);
    users.push({ id: added.user_id, name: member.name, email: member.email });
  }
  await addPaymentMethod(replay, { orgId: DEMO_ORG_ID, method: { card: { card_number: '4242424242424242', exp_month: 12, exp_year: 2030, cvc: '123' } } });

  await runDueJobs(replay);
  const next = random(20_261_127);
  const features = Object.keys(ACTIONS);
  let sequence = 0;
  for (let day = HISTORY_DAYS; day >= 1; day -= 1) {
    const dayStart = end.getTime() - day * DAY_MS;
    const weekend = new Date(dayStart).getUTCDay() % 6 === 0;
    const requests = weekend ? 3 + Math.floor(next() * 4) : 10 + Math.floor(next() * 12);
    const times = Array.from({ length: requests }, () => dayStart + Math.floor(next() * DAY_MS)).sort((a, b) => a - b);
    for (const time of times) {
      const user = users[Math.floor(next() * users.length)] ?? users[0]!;
      const feature = features[Math.floor(next() * features.length)] ?? 'assistant';
      const actions = ACTIONS[feature] ?? ['chat'];
      const action = actions[Math.floor(next() * actions.length)] ?? 'chat';
      const tokens = Math.floor(200 + next() * next() * 12_000);
      clock.set(new Date(Math.max(time, clock.now().getTime())));
      sequence += 1;
      if (sequence === 200) await purchaseCredits(replay, { orgId: DEMO_ORG_ID, credits: 2_500, idempotencyKey: 'demo-purchase-1' });
      await recordUsage(replay, {
        orgId: DEMO_ORG_ID,
        idempotencyKey: `demo-${sequence}`,
        userId: user.id,
        userName: user.name,
        feature,
        action,
        tokens,
      });
    }
    await runDueJobs(replay);
  }
}

/** Seeds the demo org into a database that holds no org yet; true when it did. */
export async function seedDemoIfEmpty(deps: BillingDeps): Promise<boolean> {
  if (await anyOrgExists(deps.db)) return false;
  await seedDemo(deps);
  return true;
}

/** Whether the demo org is in the database (the start banner then prints its logins). */
export const hasDemoOrg = (deps: BillingDeps): Promise<boolean> => orgRowExists(deps.db, DEMO_ORG_ID);
