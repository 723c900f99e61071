/**
 * Every screen of the web app passes axe-core's WCAG 2.1 A and AA rules at 1280 and 390 px (issue 15):
 * each screen with data on it (usage by four people, invoices, a card, notifications), opened the way
 * a person opens it, for an admin and, where the screen differs, for a member. A failure names each
 * broken rule, its help text and the elements it was found on.
 */
import { beforeAll, beforeEach, describe, expect, it } from 'vitest';
import type { Page } from 'playwright-core';
import type { Harness } from '../support/harness.js';
import { addCard, createOrgAt, invoices, org as orgView, purchase } from '../support/billing.js';
import { advance } from '../support/metering.js';
import { as, signIn as signInApi } from '../support/sessions.js';
import { expectNoAxeViolations, HAS_CHROMIUM, loaded, NARROW, signInWithCookie, useBrowserSuite, WIDE } from '../support/browser.js';

const ADMIN_PASSWORD = 'admin-password';
const MEMBER_PASSWORD = 'member-password';

/** What the screens show: set up once, read by every test. */
interface Seeded {
  org: string;
  adminEmail: string;
  memberEmail: string;
  invoiceId: string;
  invoiceNumber: string;
  invitationPath: string;
  creditNoteId: string;
}

type Viewer = 'nobody' | 'admin' | 'member';

interface Screen {
  name: string;
  viewer: Viewer;
  /** Opens the screen on a signed-in page (or a signed-out one for `nobody`) and waits until its data is shown. */
  open(page: Page, seeded: Seeded): Promise<void>;
}

const heading = (page: Page, name: string) => page.getByRole('heading', { name, exact: true });

/** A screen of the app at `url`, loaded, with the top bar's balance shown. */
async function openPath(page: Page, url: string, title: string): Promise<void> {
  await page.goto(url);
  await heading(page, title).waitFor();
  await loaded(page);
  await page.getByTestId('topbar-balance-value').waitFor();
}

const SCREENS: readonly Screen[] = [
  {
    name: 'the sign-in page',
    viewer: 'nobody',
    open: async (page) => {
      await page.goto('/');
      await heading(page, 'Sign in to Loupe Factory').waitFor();
    },
  },
  {
    name: 'the sign-in page after a wrong password',
    viewer: 'nobody',
    open: async (page, seeded) => {
      await page.goto('/');
      await page.getByLabel('E-mail').fill(seeded.adminEmail);
      await page.getByLabel('Password').fill('not-the-password');
      await page.getByRole('button', { name: 'Sign in' }).click();
      await page.getByRole('alert').waitFor();
    },
  },
  {
    name: 'the accept-invitation page',
    viewer: 'nobody',
    open: async (page, seeded) => {
      await page.goto(seeded.invitationPath);
      await heading(page, `Join Billing ${seeded.org}`).waitFor();
    },
  },
  {
    name: 'an invitation that cannot be used',
    viewer: 'nobody',
    open: async (page) => {
      await page.goto('/accept-invitation#token=not-a-real-token');
      await heading(page, 'This invitation cannot be used').waitFor();
    },
  },
  {
    name: 'AI Credits Usage',
    viewer: 'admin',
    open: async (page) => {
      await openPath(page, '/admin/ai-credits', 'AI Credits Usage');
      await page.getByRole('cell', { name: 'Ana Ruiz' }).first().waitFor();
    },
  },
  {
    name: 'AI Credits Usage',
    viewer: 'member',
    open: async (page) => {
      await openPath(page, '/admin/ai-credits', 'AI Credits Usage');
      await page.getByRole('cell', { name: 'Maria Member' }).first().waitFor();
    },
  },
  {
    name: 'the purchase form with its price, tax and card',
    viewer: 'admin',
    open: async (page) => {
      await openPath(page, '/admin/ai-credits', 'AI Credits Usage');
      await page.getByLabel('Credits to purchase', { exact: true }).fill('2500');
      await page.getByTestId('purchase-grand-total').waitFor();
      await page.getByTestId('purchase-card').waitFor();
    },
  },
  {
    name: 'the purchase form refusing an amount',
    viewer: 'admin',
    open: async (page) => {
      await openPath(page, '/admin/ai-credits', 'AI Credits Usage');
      await page.getByLabel('Credits to purchase', { exact: true }).fill('99');
      await page.getByTestId('purchase-error').waitFor();
    },
  },
  {
    name: 'AI Features',
    viewer: 'admin',
    open: (page) => openPath(page, '/admin/ai-features', 'AI Features'),
  },
  {
    name: 'AI Features',
    viewer: 'member',
    open: (page) => openPath(page, '/admin/ai-features', 'AI Features'),
  },
  {
    name: 'Member limits',
    viewer: 'admin',
    open: async (page) => {
      await openPath(page, '/admin/member-limits', 'Member limits');
      await page.getByRole('rowheader', { name: /^Ana Ruiz/ }).waitFor();
    },
  },
  {
    name: 'Member limits refusing a number',
    viewer: 'admin',
    open: async (page) => {
      await openPath(page, '/admin/member-limits', 'Member limits');
      await page.getByLabel('Monthly credits per member').fill('-5');
      await page.getByRole('button', { name: 'Save limits' }).click();
      await page.getByText('Enter a whole number of credits from 0 to 100,000,000.').waitFor();
    },
  },
  {
    name: 'Member limits',
    viewer: 'member',
    open: async (page) => {
      await openPath(page, '/admin/member-limits', 'Member limits');
      await page.getByTestId('my-credit-limit').waitFor();
    },
  },
  {
    name: 'a credit note',
    viewer: 'admin',
    open: async (page, seeded) => {
      await openPath(page, `/billing/credit-notes/${seeded.creditNoteId}`, 'Credit note CN-000001');
    },
  },
  {
    name: 'Audit log',
    viewer: 'admin',
    open: async (page) => {
      await openPath(page, '/admin/audit-log', 'Audit log');
      await page.locator('table.audit-table tbody tr').first().waitFor();
    },
  },
  {
    name: 'Billing',
    viewer: 'admin',
    open: async (page) => {
      await openPath(page, '/billing', 'Billing');
      await page.locator('table.invoices tbody tr').first().waitFor();
    },
  },
  {
    name: 'Billing',
    viewer: 'member',
    open: async (page) => {
      await openPath(page, '/billing', 'Billing');
      await page.locator('table.invoices tbody tr').first().waitFor();
    },
  },
  {
    name: 'Billing with the change-plan dialog open',
    viewer: 'admin',
    open: async (page) => {
      await openPath(page, '/billing', 'Billing');
      await page.getByRole('button', { name: 'Change Plan', exact: true }).click();
      await page.locator('table.compare').waitFor();
    },
  },
  {
    name: 'Billing asking before a card is removed',
    viewer: 'admin',
    open: async (page) => {
      await openPath(page, '/billing', 'Billing');
      await page.getByRole('list', { name: 'Saved cards' }).getByRole('button', { name: 'Remove', exact: true }).click();
      await page.getByRole('button', { name: 'Keep card' }).waitFor();
    },
  },
  {
    name: 'an invoice',
    viewer: 'admin',
    open: (page, seeded) => openPath(page, `/billing/invoices/${seeded.invoiceId}`, `Invoice ${seeded.invoiceNumber}`),
  },
  {
    name: 'Pricing & Plans',
    viewer: 'admin',
    open: async (page) => {
      await openPath(page, '/billing/plans', 'Pricing & Plans');
      await page.getByText('Your current plan').waitFor();
    },
  },
  {
    name: 'the Billing FAQ',
    viewer: 'admin',
    open: (page) => openPath(page, '/billing/faq', 'Billing FAQ'),
  },
  {
    name: 'Reporting & Analytics',
    viewer: 'admin',
    open: async (page) => {
      await openPath(page, '/reports', 'Reporting & Analytics');
      await page.getByRole('heading', { name: 'Top users' }).waitFor();
      await page.getByRole('img', { name: /^Stacked bar chart/ }).waitFor();
    },
  },
  {
    name: 'Profile',
    viewer: 'admin',
    open: (page) => openPath(page, '/profile', 'Profile'),
  },
  {
    name: 'the notifications panel',
    viewer: 'admin',
    open: async (page) => {
      await openPath(page, '/admin/ai-credits', 'AI Credits Usage');
      await page.getByRole('button', { name: /^Notifications, [1-9]\d* unread$/ }).click();
      await page.getByRole('dialog', { name: 'Notifications' }).getByRole('listitem').first().waitFor();
    },
  },
  {
    name: 'the user menu',
    viewer: 'admin',
    open: async (page) => {
      await openPath(page, '/admin/ai-credits', 'AI Credits Usage');
      await page.getByRole('button', { name: 'Admin', exact: true }).click();
      await page.getByRole('menuitem', { name: 'Log out' }).waitFor();
    },
  },
  {
    name: 'the balance breakdown',
    viewer: 'admin',
    open: async (page) => {
      await openPath(page, '/admin/ai-credits', 'AI Credits Usage');
      await page.getByTestId('topbar-balance').click();
      await page.getByRole('dialog', { name: 'Credit balance breakdown' }).waitFor();
    },
  },
];

/**
 * An org that looks used: Team plan, a card, purchased credits (an invoice and a notification), a closed
 * period with its invoice, ~40 AI actions by four people, a member, and an open invitation. One person
 * was sent by the host app with no name: the screens show their id (an identity provider's, one word
 * of 32 characters), which cannot wrap; at 390 px it makes the "Top users" table wider than the screen.
 */
async function seed(h: Harness): Promise<Seeded> {
  const org = await createOrgAt(h, { plan: 'team', region: 'CA' });
  const adminEmail = `admin@${org}.test`;
  await addCard(h, org);
  const bought = await purchase(h, org, 5_000);
  expect(bought.statusCode).toBe(201);
  const refunded = await h.api('POST', `/v1/orgs/${org}/credit-purchases/${(bought.json() as { id: string }).id}/refund`, { credits: 500, reason: 'Bought twice by mistake' });
  expect(refunded.statusCode, refunded.body).toBe(201);
  const memberEmail = `maria@${org}.test`;
  const member = await h.api('POST', `/v1/orgs/${org}/members`, { email: memberEmail, name: 'Maria Member', role: 'member', password: MEMBER_PASSWORD });
  expect(member.statusCode, member.body).toBe(201);
  const periodEnd = new Date((await orgView(h, org)).subscription.current_period_end);
  await advance(h, new Date(periodEnd.getTime() + 10 * 86_400_000));
  const people = [
    { user_id: 'u-ana', user_name: 'Ana Ruiz' },
    { user_id: (member.json() as { user_id: string }).user_id, user_name: 'Maria Member' },
    { user_id: 'u-ben', user_name: 'Ben Okafor' },
    { user_id: 'user_2NNEqL2nrIRdJ194ndJqAHwEfxC' },
  ] as const;
  const features = ['assistant', 'reports', 'documents', 'inspections', 'analytics'] as const;
  for (let row = 0; row < 40; row += 1) {
    const day = Math.floor(row / 4);
    const response = await h.api('POST', `/v1/orgs/${org}/ai/usage`, {
      idempotency_key: `accessibility-${org}-${row}`,
      ...people[row % people.length]!,
      feature: features[(row + day) % features.length],
      action: 'chat',
      tokens: 4_000 + ((row * 7_919) % 60_000),
      occurred_at: new Date(periodEnd.getTime() + day * 86_400_000 + 3_600_000).toISOString(),
    });
    expect(response.statusCode, response.body).toBe(201);
  }
  // Member limits: Ana past her own limit, everyone else under the default (bars on Member limits and AI Credits Usage).
  const limits = await h.api('PUT', `/v1/orgs/${org}/settings/user-limits`, { default_monthly_credits: 1_000, overrides: { 'u-ana': 100 } });
  expect(limits.statusCode, limits.body).toBe(200);
  const invitationPath = await invite(h, { org, adminEmail, email: `nina@${org}.test` });
  const invoice = (await invoices(h, org)).find((candidate) => candidate.kind !== 'credit_purchase');
  expect(invoice).toBeDefined();
  const creditNoteId = (refunded.json() as { credit_note_id: string }).credit_note_id;
  return { org, adminEmail, memberEmail, invoiceId: invoice!.id, invoiceNumber: invoice!.number, invitationPath, creditNoteId };
}

/** The path (with its #token) of the link in the invitation e-mail sent to `email`. */
async function invite(h: Harness, { org, adminEmail, email }: { org: string; adminEmail: string; email: string }): Promise<string> {
  const session = await signInApi(h, adminEmail, ADMIN_PASSWORD);
  const invited = await h.api('POST', `/v1/orgs/${org}/members`, { email, name: 'Nina Newcomer', role: 'member' }, as(session));
  expect(invited.statusCode, invited.body).toBe(201);
  const emails = (await h.api('GET', `/v1/orgs/${org}/emails`)).json().items as { to: string; body: string }[];
  const link = /(http\S+#token=\S+)/.exec(emails.find((item) => item.to === email)!.body)![1]!;
  return link.replace(/^https?:\/\/[^/]+/, '');
}

describe.skipIf(!HAS_CHROMIUM)('no WCAG 2.1 A/AA violation (axe-core) on any screen', () => {
  const suite = useBrowserSuite();
  let seeded: Seeded;
  let page: Page;
  // After the suite's own beforeAll, which starts the served app.
  beforeAll(async () => {
    seeded = await seed(suite.h);
  });
  beforeEach(() => void ({ page } = suite));

  it('the check itself fails on a page that breaks a rule, naming the rule and the element', async () => {
    await page.goto('/');
    await heading(page, 'Sign in to Loupe Factory').waitFor();
    await page.evaluate(() => {
      const document = (globalThis as unknown as { document: { body: { insertAdjacentHTML(where: string, html: string): void } } }).document;
      document.body.insertAdjacentHTML('beforeend', '<img id="no-alt" src="data:image/gif;base64,R0lGODlhAQABAAAAACw="><p style="color:#bbb;background:#fff">Faint text</p>');
    });
    const failure = await expectNoAxeViolations(page, 'a broken page').then(() => null, (error: Error) => error.message);
    expect(failure).toMatch(/image-alt \(critical\)[\s\S]*#no-alt/);
    expect(failure).toMatch(/color-contrast/);
  });

  it.each(SCREENS.map((screen) => [screen.viewer === 'member' ? `${screen.name}, as a member` : screen.name, screen] as const))('%s, at 1280 and 390 px', async (label, screen) => {
    if (screen.viewer === 'admin') await signInWithCookie(suite.context, suite.h, suite.baseUrl, seeded.adminEmail, ADMIN_PASSWORD);
    if (screen.viewer === 'member') await signInWithCookie(suite.context, suite.h, suite.baseUrl, seeded.memberEmail, MEMBER_PASSWORD);
    // Opened at 390 px, then widened: the narrow layout is the one that breaks more.
    await page.setViewportSize(NARROW);
    await screen.open(page, seeded);
    await expectNoAxeViolations(page, `${label} at 390 px`);
    await page.setViewportSize(WIDE);
    await expectNoAxeViolations(page, `${label} at 1280 px`);
  });
});
