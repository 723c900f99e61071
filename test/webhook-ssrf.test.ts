import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startHarness, type Harness } from './support/harness.js';
import { advance, leavePlanCredits, record } from './support/metering.js';
import { startWebhookReceiver, type WebhookReceiver } from './support/receivers.js';
import { recordFigures } from './support/reliability.js';
import { MAX_WEBHOOK_ENDPOINTS_PER_ORG } from '../src/notifications/add-webhook-endpoint.js';
import { nonPublicKind, resolveWebhookTarget, type HostResolver, type ResolvedAddress } from '../src/providers/webhook-target.js';

/**
 * Webhooks go only to public addresses unless the operator sets LOUPE_WEBHOOKS_ALLOW_PRIVATE=1.
 * Nothing here connects anywhere but 127.0.0.1: refusals happen before any connection, and names
 * are resolved by a stub that knows only made-up `.loupe.test` hosts.
 */

const NAMES: Record<string, readonly ResolvedAddress[]> = {
  'hooks.loupe.test': [{ address: '127.0.0.1', family: 4 }],
  'mapped.loupe.test': [{ address: '::ffff:127.0.0.1', family: 6 }],
  'metadata.loupe.test': [{ address: '169.254.169.254', family: 4 }],
  'public-and-private.loupe.test': [
    { address: '93.184.215.14', family: 4 },
    { address: '10.1.2.3', family: 4 },
  ],
  localhost: [{ address: '127.0.0.1', family: 4 }],
};

const stubResolver: HostResolver = async (hostname) => {
  const addresses = NAMES[hostname];
  if (addresses === undefined) throw Object.assign(new Error(`getaddrinfo ENOTFOUND ${hostname}`), { code: 'ENOTFOUND' });
  return addresses;
};

/** Creation tests only: no job ever runs on it, so an accepted public URL is never sent to. */
let creating: Harness;
let strict: Harness;
let receiver: WebhookReceiver;
let port: number;
/** For docs/reliability.md: private targets refused, and how many of them the receiver heard from. */
const figures = { refused: 0, reached: 0 };

beforeAll(async () => {
  receiver = await startWebhookReceiver();
  port = Number(new URL(receiver.url).port);
  creating = await startHarness({ webhookTargets: { allowPrivate: false, resolve: stubResolver } });
  strict = await startHarness({ webhookTargets: { allowPrivate: false, resolve: stubResolver } });
});
afterAll(async () => {
  recordFigures('ssrf', figures);
  await creating.close();
  await strict.close();
  await receiver.close();
});

async function create(h: Harness, orgId: string, url: string) {
  return h.api('POST', `/v1/orgs/${orgId}/webhook-endpoints`, { url });
}

describe('creating an endpoint refuses every address on this machine or its networks', () => {
  const publicOnly = (reason: string) => `${reason}; webhooks are sent only to public addresses`;
  const refused: readonly [string, string][] = [
    ['http://127.0.0.1/hooks', publicOnly('points at 127.0.0.1, a loopback address')],
    ['http://localhost:8080/hooks', publicOnly('points at localhost, which is this server')],
    ['http://LOCALHOST./hooks', publicOnly('points at localhost, which is this server')],
    ['http://api.localhost/hooks', publicOnly('points at api.localhost, which is this server')],
    ['http://[::1]/hooks', publicOnly('points at ::1, a loopback address')],
    ['http://169.254.169.254/latest/meta-data/', publicOnly('points at 169.254.169.254, a link-local address')],
    ['http://10.0.0.1/', publicOnly('points at 10.0.0.1, a private address')],
    ['http://172.16.5.4/', publicOnly('points at 172.16.5.4, a private address')],
    ['http://192.168.0.1/', publicOnly('points at 192.168.0.1, a private address')],
    ['http://100.64.0.1/', publicOnly('points at 100.64.0.1, a private address')],
    ['http://0.0.0.0/', publicOnly('points at 0.0.0.0, an unspecified address')],
    ['http://[::]/', publicOnly('points at ::, an unspecified address')],
    ['http://2130706433/', publicOnly('points at 127.0.0.1, a loopback address')],
    ['http://0x7f000001/', publicOnly('points at 127.0.0.1, a loopback address')],
    ['http://0177.0.0.1/', publicOnly('points at 127.0.0.1, a loopback address')],
    ['http://127.1/', publicOnly('points at 127.0.0.1, a loopback address')],
    ['http://[::ffff:127.0.0.1]/', publicOnly('points at ::ffff:7f00:1, a loopback address')],
    ['http://[::ffff:a9fe:a9fe]/', publicOnly('points at ::ffff:a9fe:a9fe, a link-local address')],
    ['http://[::127.0.0.1]/', publicOnly('points at ::7f00:1, a reserved address')],
    ['http://[64:ff9b::10.0.0.1]/', publicOnly('points at 64:ff9b::a00:1, a private address')],
    ['http://[2002:7f00:1::]/', publicOnly('points at 2002:7f00:1::, a reserved address')],
    ['http://[fd12:3456::1]/', publicOnly('points at fd12:3456::1, a unique-local address')],
    ['http://[fe80::1]/', publicOnly('points at fe80::1, a link-local address')],
    ['http://224.0.0.1/', publicOnly('points at 224.0.0.1, a multicast address')],
    ['http://[ff02::1]/', publicOnly('points at ff02::1, a multicast address')],
    ['http://255.255.255.255/', publicOnly('points at 255.255.255.255, a reserved address')],
    ['https://user:secret@hooks.example.com/', 'must not contain a user name or password'],
    ['https://token@hooks.example.com/', 'must not contain a user name or password'],
  ];

  it.each(refused)('%s: 422 naming url, "%s"', async (url, reason) => {
    const orgId = await creating.createOrg();
    const response = await create(creating, orgId, url);
    expect(response.statusCode, response.body).toBe(422);
    expect(response.headers['content-type']).toContain('application/problem+json');
    expect(response.json()).toMatchObject({ code: 'VALIDATION_FAILED', errors: { url: [reason] } });
    expect(await creating.db.selectFrom('webhook_endpoints').select('url').where('org_id', '=', orgId).execute()).toEqual([]);
    figures.refused += 1;
  });

  it.each(['ftp://hooks.example.com/', 'file:///etc/passwd', 'gopher://127.0.0.1:25/', 'javascript:alert(1)'])('%s: 422 naming url (http and https only)', async (url) => {
    const response = await create(creating, await creating.createOrg(), url);
    expect(response.statusCode, response.body).toBe(422);
    expect(Object.keys(response.json().errors)).toEqual(['url']);
  });

  it('public addresses and names are accepted; names are checked when a delivery resolves them', async () => {
    const orgId = await creating.createOrg();
    for (const url of ['https://hooks.example.com/loupe', 'http://93.184.215.14/', 'http://[2606:4700:4700::1111]/', 'http://[::ffff:93.184.215.14]/', 'http://[64:ff9b::93.184.215.14]/', 'http://hooks.loupe.test/']) {
      const response = await create(creating, orgId, url);
      expect(response.statusCode, `${url}: ${response.body}`).toBe(201);
    }
  });
});

describe('the address is checked again at every delivery, after resolving the name', () => {
  it('a name resolving to 127.0.0.1, an endpoint stored before the check and localhost are not reached; the log says why', async () => {
    const orgId = await strict.createOrg();
    const created = await create(strict, orgId, `http://hooks.loupe.test:${port}/hooks`);
    expect(created.statusCode, created.body).toBe(201);
    // As if added before URLs were checked (or while the operator allowed private targets).
    const stored = [`http://localhost:${port}/hooks`, `http://127.0.0.1:${port}/hooks`, `http://[::ffff:127.0.0.1]:${port}/hooks`, `http://mapped.loupe.test:${port}/hooks`, `http://metadata.loupe.test:${port}/hooks`, `http://public-and-private.loupe.test:${port}/hooks`];
    await strict.db
      .insertInto('webhook_endpoints')
      .values(stored.map((url, index) => ({ org_id: orgId, endpoint_id: `whe_old_${index}`, url, events: [], secret: `whsec_${Buffer.from('sixteen byte key').toString('base64')}`, status: 'enabled' as const, disabled_at: null, created_at: strict.clock.now(), deleted_at: null })))
      .execute();

    await leavePlanCredits(strict, orgId, 1);
    await record(strict, orgId, { tokens: 1_000 });
    await advance(strict, { seconds: 1 });

    expect(receiver.received).toEqual([]);
    figures.reached += receiver.received.length;
    const errors: Record<string, string[]> = {};
    for (const endpoint of (await strict.api('GET', `/v1/orgs/${orgId}/webhook-endpoints`)).json().items as { id: string; url: string }[]) {
      const log = (await strict.api('GET', `/v1/orgs/${orgId}/webhook-endpoints/${endpoint.id}/deliveries`)).json().items as { status: string; attempts: { status_code: number | null; error: string }[] }[];
      expect(log.length, endpoint.url).toBeGreaterThan(0);
      for (const delivery of log) {
        expect(delivery.status).toBe('pending');
        expect(delivery.attempts.map((attempt) => attempt.status_code)).toEqual([null]);
      }
      errors[endpoint.url] = [...new Set(log.map((delivery) => delivery.attempts[0]!.error))];
    }
    const refusedBecause = (reason: string) => [`${reason}; webhooks are sent only to public addresses.`];
    expect(errors).toEqual({
      [`http://hooks.loupe.test:${port}/hooks`]: refusedBecause('The host hooks.loupe.test resolves to 127.0.0.1, a loopback address'),
      [`http://localhost:${port}/hooks`]: refusedBecause('The URL points at localhost, which is this server'),
      [`http://127.0.0.1:${port}/hooks`]: refusedBecause('The URL points at 127.0.0.1, a loopback address'),
      [`http://[::ffff:127.0.0.1]:${port}/hooks`]: refusedBecause('The URL points at ::ffff:7f00:1, a loopback address'),
      [`http://mapped.loupe.test:${port}/hooks`]: refusedBecause('The host mapped.loupe.test resolves to ::ffff:127.0.0.1, a loopback address'),
      [`http://metadata.loupe.test:${port}/hooks`]: refusedBecause('The host metadata.loupe.test resolves to 169.254.169.254, a link-local address'),
      [`http://public-and-private.loupe.test:${port}/hooks`]: refusedBecause('The host public-and-private.loupe.test resolves to 10.1.2.3, a private address'),
    });
    figures.refused += Object.keys(errors).length;
  });

  it('a name that answers public once and private the next time (DNS rebinding) is refused the time it is private', async () => {
    let calls = 0;
    const rebinding: HostResolver = async () => {
      calls += 1;
      return calls === 1 ? [{ address: '93.184.215.14', family: 4 }] : [{ address: '127.0.0.1', family: 4 }];
    };
    const policy = { allowPrivate: false, resolve: rebinding };
    expect(await resolveWebhookTarget('https://rebind.loupe.test/hooks', policy)).toMatchObject({ ok: true, address: '93.184.215.14', family: 4 });
    expect(await resolveWebhookTarget('https://rebind.loupe.test/hooks', policy)).toEqual({ ok: false, reason: 'The host rebind.loupe.test resolves to 127.0.0.1, a loopback address; webhooks are sent only to public addresses.' });
  });

  it('addresses as a resolver returns them: every private range, IPv4-mapped and NAT64 forms included', () => {
    const kinds = Object.fromEntries(
      ['127.255.0.1', '::1', '0.0.0.0', '10.255.255.255', '172.31.0.1', '172.32.0.1', '192.168.255.1', '169.254.169.254', 'fe80::abcd', 'fc00::1', 'fdff::1', 'ff05::2', '239.1.1.1', '::ffff:10.0.0.1', '::ffff:192.168.1.1', '64:ff9b::7f00:1', '64:ff9b::808:808', '64:ff9b:1::1', '2001:db8::1', '8.8.8.8', '2a00:1450:4001::200e', 'not-an-address'].map((address) => [address, nonPublicKind(address)]),
    );
    expect(kinds).toEqual({
      '127.255.0.1': 'loopback',
      '::1': 'loopback',
      '0.0.0.0': 'unspecified',
      '10.255.255.255': 'private',
      '172.31.0.1': 'private',
      '172.32.0.1': null,
      '192.168.255.1': 'private',
      '169.254.169.254': 'link-local',
      'fe80::abcd': 'link-local',
      'fc00::1': 'unique-local',
      'fdff::1': 'unique-local',
      'ff05::2': 'multicast',
      '239.1.1.1': 'multicast',
      '::ffff:10.0.0.1': 'private',
      '::ffff:192.168.1.1': 'private',
      '64:ff9b::7f00:1': 'loopback',
      '64:ff9b::808:808': null,
      '64:ff9b:1::1': 'private',
      '2001:db8::1': 'reserved',
      '8.8.8.8': null,
      '2a00:1450:4001::200e': null,
      'not-an-address': 'reserved',
    });
  });
});

describe('with LOUPE_WEBHOOKS_ALLOW_PRIVATE=1', () => {
  it('private targets are allowed, and the connection goes to the address the check resolved', async () => {
    const allowed = await startHarness({ webhookTargets: { allowPrivate: true, resolve: stubResolver } });
    try {
      const orgId = await allowed.createOrg();
      // hooks.loupe.test exists only in the stub: reaching the receiver proves the sender connected to the checked address.
      expect((await create(allowed, orgId, `http://hooks.loupe.test:${port}/hooks`)).statusCode).toBe(201);
      expect((await create(allowed, orgId, `http://localhost:${port}/hooks`)).statusCode).toBe(201);
      expect((await create(allowed, orgId, 'https://user:secret@hooks.loupe.test/')).statusCode).toBe(422);
      await leavePlanCredits(allowed, orgId, 1);
      const before = receiver.received.length;
      await record(allowed, orgId, { tokens: 1_000 });
      await advance(allowed, { seconds: 1 });
      const got = receiver.received.slice(before).filter((hook) => JSON.parse(hook.body).type === 'credits.exhausted');
      expect(got.map((hook) => hook.headers.host).sort()).toEqual([`hooks.loupe.test:${port}`, `localhost:${port}`]);
    } finally {
      await allowed.close();
    }
  });
});

describe('redirects', () => {
  it('a 3xx is a failed attempt and its Location is not visited', async () => {
    const allowed = await startHarness();
    const target = await startWebhookReceiver();
    const redirecting = createServer((request, response) => {
      request.resume();
      response.writeHead(307, { location: target.url }).end();
    });
    await new Promise<void>((resolve) => redirecting.listen(0, '127.0.0.1', resolve));
    try {
      const orgId = await allowed.createOrg();
      const created = await allowed.api('POST', `/v1/orgs/${orgId}/webhook-endpoints`, { url: `http://127.0.0.1:${(redirecting.address() as AddressInfo).port}/hooks`, events: ['credits.exhausted'] });
      expect(created.statusCode).toBe(201);
      await leavePlanCredits(allowed, orgId, 1);
      await record(allowed, orgId, { tokens: 1_000 });
      await advance(allowed, { seconds: 1 });
      expect(target.received).toEqual([]);
      const log = (await allowed.api('GET', `/v1/orgs/${orgId}/webhook-endpoints/${created.json().id}/deliveries`)).json().items;
      expect(log).toMatchObject([{ status: 'pending', attempts: [{ status_code: 307, error: 'HTTP 307: redirects are not followed' }] }]);
    } finally {
      await allowed.close();
      await target.close();
      await new Promise((resolve) => redirecting.close(resolve));
    }
  });
});

describe('endpoints per org', () => {
  it(`an org has at most ${MAX_WEBHOOK_ENDPOINTS_PER_ORG} endpoints: the next is refused with 409 WEBHOOK_ENDPOINT_LIMIT until one is removed`, async () => {
    const allowed = await startHarness();
    try {
      const orgId = await allowed.createOrg();
      const ids: string[] = [];
      for (let index = 0; index < MAX_WEBHOOK_ENDPOINTS_PER_ORG; index += 1) {
        const response = await create(allowed, orgId, `http://127.0.0.1:9/hook-${index}`);
        expect(response.statusCode, response.body).toBe(201);
        ids.push(response.json().id);
      }
      const refused = await create(allowed, orgId, 'http://127.0.0.1:9/one-too-many');
      expect(refused.statusCode).toBe(409);
      expect(refused.headers['content-type']).toContain('application/problem+json');
      expect(refused.json()).toMatchObject({ code: 'WEBHOOK_ENDPOINT_LIMIT', detail: `An org can have at most ${MAX_WEBHOOK_ENDPOINTS_PER_ORG} webhook endpoints; remove one before adding another.` });
      expect((await allowed.api('DELETE', `/v1/orgs/${orgId}/webhook-endpoints/${ids[0]}`)).statusCode).toBe(204);
      expect((await create(allowed, orgId, 'http://127.0.0.1:9/replacement')).statusCode).toBe(201);
      expect((await create(allowed, await allowed.createOrg(), 'http://127.0.0.1:9/another-org')).statusCode).toBe(201);
    } finally {
      await allowed.close();
    }
  });

  it(`${MAX_WEBHOOK_ENDPOINTS_PER_ORG + 10} simultaneous creations add exactly ${MAX_WEBHOOK_ENDPOINTS_PER_ORG}`, async () => {
    const allowed = await startHarness();
    try {
      const orgId = await allowed.createOrg();
      const answers = await Promise.all(Array.from({ length: MAX_WEBHOOK_ENDPOINTS_PER_ORG + 10 }, (_, index) => create(allowed, orgId, `http://127.0.0.1:9/race-${index}`)));
      const statuses = answers.map((answer) => answer.statusCode);
      expect(statuses.filter((status) => status === 201)).toHaveLength(MAX_WEBHOOK_ENDPOINTS_PER_ORG);
      expect(statuses.filter((status) => status === 409)).toHaveLength(10);
      expect((await allowed.api('GET', `/v1/orgs/${orgId}/webhook-endpoints`)).json().items).toHaveLength(MAX_WEBHOOK_ENDPOINTS_PER_ORG);
    } finally {
      await allowed.close();
    }
  });
});
