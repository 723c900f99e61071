import { lookup } from 'node:dns/promises';
import { BlockList, isIP } from 'node:net';

/**
 * Where a webhook may go. An org admin chooses the URL, so without this check the server would POST
 * (signed, with its answer shown in the delivery log) to anything it can reach: its own loopback
 * services, the cloud metadata service, the private network. Webhooks go only to public addresses
 * unless the operator opts in with LOUPE_WEBHOOKS_ALLOW_PRIVATE=1 (local development).
 */

/** Kinds of address a webhook never reaches, most specific first (:: is unspecified, not reserved). */
export const NON_PUBLIC_KINDS = ['loopback', 'unspecified', 'link-local', 'private', 'unique-local', 'multicast', 'reserved'] as const;
export type NonPublicKind = (typeof NON_PUBLIC_KINDS)[number];

const IPV4_RANGES: readonly (readonly [NonPublicKind, string, number])[] = [
  // 0.0.0.0 connects to this host on Linux.
  ['unspecified', '0.0.0.0', 8],
  ['private', '10.0.0.0', 8],
  // Carrier-grade NAT: another customer's network, never a public receiver.
  ['private', '100.64.0.0', 10],
  ['loopback', '127.0.0.0', 8],
  // Cloud metadata services (169.254.169.254) live here.
  ['link-local', '169.254.0.0', 16],
  ['private', '172.16.0.0', 12],
  ['reserved', '192.0.0.0', 24],
  ['reserved', '192.0.2.0', 24],
  ['reserved', '192.88.99.0', 24],
  ['private', '192.168.0.0', 16],
  ['reserved', '198.18.0.0', 15],
  ['reserved', '198.51.100.0', 24],
  ['reserved', '203.0.113.0', 24],
  ['multicast', '224.0.0.0', 4],
  // Includes the broadcast address 255.255.255.255.
  ['reserved', '240.0.0.0', 4],
];

const IPV6_RANGES: readonly (readonly [NonPublicKind, string, number])[] = [
  ['unspecified', '::', 128],
  ['loopback', '::1', 128],
  // IPv4-compatible addresses (::a.b.c.d), deprecated; some stacks still route them to IPv4.
  ['reserved', '::', 96],
  ['reserved', '100::', 64],
  // NAT64 for local use: the operator decides what it translates to.
  ['private', '64:ff9b:1::', 48],
  // Teredo and 6to4 tunnel to an IPv4 address of the sender's choosing.
  ['reserved', '2001::', 32],
  ['reserved', '2001:db8::', 32],
  ['reserved', '2002::', 16],
  ['reserved', '3fff::', 20],
  ['unique-local', 'fc00::', 7],
  ['link-local', 'fe80::', 10],
  ['reserved', 'fec0::', 10],
  ['multicast', 'ff00::', 8],
];

/**
 * One list per kind. A BlockList matches IPv4-mapped IPv6 (::ffff:127.0.0.1) against its IPv4
 * rules by itself; the well-known NAT64 prefix (64:ff9b::a.b.c.d) is given each IPv4 rule too.
 */
const LISTS: ReadonlyMap<NonPublicKind, BlockList> = (() => {
  const lists = new Map(NON_PUBLIC_KINDS.map((kind) => [kind, new BlockList()]));
  for (const [kind, network, prefix] of IPV4_RANGES) {
    lists.get(kind)?.addSubnet(network, prefix, 'ipv4');
    lists.get(kind)?.addSubnet(`64:ff9b::${network}`, 96 + prefix, 'ipv6');
  }
  for (const [kind, network, prefix] of IPV6_RANGES) lists.get(kind)?.addSubnet(network, prefix, 'ipv6');
  return lists;
})();

/** The kind of a non-public address, or null for a public one. Anything unparsable counts as reserved. */
export function nonPublicKind(address: string): NonPublicKind | null {
  const version = isIP(address);
  if (version === 0) return 'reserved';
  const family = version === 4 ? 'ipv4' : 'ipv6';
  try {
    return NON_PUBLIC_KINDS.find((kind) => LISTS.get(kind)?.check(address, family)) ?? null;
  } catch {
    return 'reserved';
  }
}

/** The URL's host as an address or name: brackets off IPv6, no trailing dot, lower case. */
function hostOf(url: URL): string {
  return url.hostname.replace(/^\[(.*)\]$/, '$1').replace(/\.$/, '').toLowerCase();
}

const DESCRIPTIONS: Record<NonPublicKind, string> = {
  loopback: 'a loopback address',
  unspecified: 'an unspecified address',
  'link-local': 'a link-local address',
  private: 'a private address',
  'unique-local': 'a unique-local address',
  multicast: 'a multicast address',
  reserved: 'a reserved address',
};

const PUBLIC_ONLY = 'webhooks are sent only to public addresses';

const refusal = (host: string, address: string, kind: NonPublicKind) => `${host === address ? 'points at' : 'resolves to'} ${address}, ${DESCRIPTIONS[kind]}; ${PUBLIC_ONLY}`;

/**
 * Why a webhook URL is refused (a phrase that follows the field name "url"), or null. The WHATWG
 * parser has already turned every spelling of an IPv4 address (2130706433, 0x7f000001, 0177.0.0.1,
 * 127.1) into dotted decimal and every IPv6 one into its short form, so only those are checked.
 * Names other than localhost are checked when a delivery resolves them.
 */
export function webhookUrlProblem(raw: string, options: { allowPrivate: boolean }): string | null {
  let url: URL;
  try {
    url = new URL(raw);
  } catch {
    return 'is not a valid URL';
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') return 'must start with http:// or https://';
  if (url.username !== '' || url.password !== '') return 'must not contain a user name or password';
  if (options.allowPrivate) return null;
  const host = hostOf(url);
  // RFC 6761: localhost and every name under it are this machine, whatever DNS says.
  if (host === 'localhost' || host.endsWith('.localhost')) return `points at ${host}, which is this server; ${PUBLIC_ONLY}`;
  if (isIP(host) === 0) return null;
  const kind = nonPublicKind(host);
  return kind === null ? null : refusal(host, host, kind);
}

export interface ResolvedAddress {
  readonly address: string;
  readonly family: number;
}

/** A name's addresses; tests inject one, the server uses the system resolver. */
export type HostResolver = (hostname: string) => Promise<readonly ResolvedAddress[]>;

export const systemResolver: HostResolver = (hostname) => lookup(hostname, { all: true, verbatim: true });

export interface WebhookTargetPolicy {
  /** LOUPE_WEBHOOKS_ALLOW_PRIVATE=1: loopback and private addresses are allowed (local development). */
  readonly allowPrivate: boolean;
  readonly resolve: HostResolver;
}

/** The policy when none is configured: public addresses only. */
export const PUBLIC_TARGETS_ONLY: WebhookTargetPolicy = { allowPrivate: false, resolve: systemResolver };

export type WebhookTarget = { readonly ok: true; readonly url: URL; readonly address: string; readonly family: 4 | 6 } | { readonly ok: false; readonly reason: string };

/**
 * The one address a delivery connects to, checked now: the URL again (it may predate this check),
 * then every address its host resolves to. Any private answer refuses the delivery, so a name that
 * answers public once and private the next time (DNS rebinding) is refused the time it is private;
 * the sender connects to the address returned here and to no other.
 */
export async function resolveWebhookTarget(raw: string, policy: WebhookTargetPolicy): Promise<WebhookTarget> {
  const problem = webhookUrlProblem(raw, policy);
  if (problem !== null) return { ok: false, reason: `The URL ${problem}.` };
  const url = new URL(raw);
  const host = hostOf(url);
  let addresses: readonly ResolvedAddress[];
  try {
    addresses = isIP(host) === 0 ? await policy.resolve(host) : [{ address: host, family: isIP(host) }];
  } catch (error) {
    return { ok: false, reason: `The host ${host} could not be resolved (${(error as NodeJS.ErrnoException).code ?? (error as Error).message}).` };
  }
  const first = addresses[0];
  if (first === undefined) return { ok: false, reason: `The host ${host} has no address.` };
  if (!policy.allowPrivate) {
    for (const { address } of addresses) {
      const kind = nonPublicKind(address);
      if (kind !== null) return { ok: false, reason: `The host ${host} ${refusal(host, address, kind)}.` };
    }
  }
  return { ok: true, url, address: first.address, family: isIP(first.address) === 6 ? 6 : 4 };
}
