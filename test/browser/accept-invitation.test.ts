/**
 * An invitee follows the link of their invitation e-mail in a real browser (Debian's Chromium), chooses
 * their own password, and lands in the app signed in as a member of the inviting org.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Browser } from 'playwright-core';
import type { Harness } from '../support/harness.js';
import { as, signIn as signInApi } from '../support/sessions.js';
import { HAS_CHROMIUM, NARROW, shot, startServedApp, WIDE } from '../support/browser.js';

describe.skipIf(!HAS_CHROMIUM)('accepting an invitation in the browser', () => {
  let h: Harness;
  let baseUrl: string;
  let browser: Browser;

  let served: Awaited<ReturnType<typeof startServedApp>> | undefined;

  beforeAll(async () => {
    served = await startServedApp();
    ({ h, baseUrl, browser } = served);
  });

  afterAll(() => served?.close());

  async function invite(org: string, email: string): Promise<string> {
    const admin = await signInApi(h, `admin@${org}.test`, 'admin-password');
    const invited = await h.api('POST', `/v1/orgs/${org}/members`, { email, name: 'Nina Newcomer', role: 'member' }, as(admin));
    expect(invited.statusCode, invited.body).toBe(201);
    const emails = (await h.api('GET', `/v1/orgs/${org}/emails`)).json().items as { to: string; body: string }[];
    const link = /(http\S+#token=\S+)/.exec(emails.find((item) => item.to === email)!.body)![1]!;
    return link.replace(/^https?:\/\/[^/]+/, baseUrl);
  }

  it('the invitee chooses a password and joins, signed in; the used link then says it cannot be used', async () => {
    const org = await h.createOrg();
    const email = `nina@${org}.test`;
    const link = await invite(org, email);
    for (const [viewport, suffix] of [[WIDE, '1280'], [NARROW, '390']] as const) {
      const context = await browser.newContext({ viewport });
      const page = await context.newPage();
      await page.goto(link);
      await page.getByRole('heading', { name: `Join Org ${org}` }).waitFor();
      await shot(page, `accept-invitation-${suffix}`);
      await context.close();
    }
    const context = await browser.newContext({ viewport: WIDE });
    const page = await context.newPage();
    await page.goto(link);
    await page.getByLabel('Choose a password').fill('ninas-own-password');
    await page.getByLabel('Repeat the password').fill('ninas-own-pass');
    await page.getByText('The two passwords are not the same.').waitFor();
    await page.getByLabel('Repeat the password').fill('ninas-own-password');
    await page.getByRole('button', { name: `Join Org ${org}` }).click();
    await page.getByRole('navigation', { name: 'Main' }).waitFor({ state: 'attached' });
    expect(new URL(page.url()).hash).toBe('');
    const members = (await h.api('GET', `/v1/orgs/${org}/members`)).json().items as { email: string; role: string }[];
    expect(members).toContainEqual(expect.objectContaining({ email, role: 'member' }));
    await signInApi(h, email, 'ninas-own-password');

    const again = await browser.newContext({ viewport: WIDE });
    const second = await again.newPage();
    await second.goto(link);
    await second.getByRole('heading', { name: 'This invitation cannot be used' }).waitFor();
    await shot(second, 'accept-invitation-used-1280');
    await again.close();
    await context.close();
  });
});
