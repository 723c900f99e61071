import { createClient, type LoupeClient } from '@loupe-billing/client';
import { PLATFORM_KEY, startHarness, type Harness } from './harness.js';
import { startFaultyProxy, type FaultyProxy } from './faulty-proxy.js';

/** The server over real HTTP, with a client through the fault-injecting proxy and one straight to it. */
export interface ProxiedClients {
  readonly h: Harness;
  readonly serverUrl: string;
  readonly proxy: FaultyProxy;
  /** Through the proxy, with short waits so retries do not slow the suite. */
  readonly client: LoupeClient;
  /** Straight to the server: the test's own reads. */
  readonly direct: LoupeClient;
  /** Checks the ledger audit, then stops the proxy and the server. */
  close(): Promise<void>;
}

export async function startProxiedClients(): Promise<ProxiedClients> {
  const h = await startHarness();
  const serverUrl = await h.app.listen({ port: 0, host: '127.0.0.1' });
  const proxy = await startFaultyProxy(serverUrl);
  return {
    h,
    serverUrl,
    proxy,
    client: createClient({ baseUrl: proxy.url, apiKey: PLATFORM_KEY, timeoutMs: 2_000, retry: { baseDelayMs: 10, maxDelayMs: 50 } }),
    direct: createClient({ baseUrl: serverUrl, apiKey: PLATFORM_KEY }),
    async close() {
      await h.expectCleanAudit();
      await proxy.close();
      await h.close();
    },
  };
}
