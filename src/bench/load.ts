import { Pool } from 'undici';

/**
 * The load generator, run as its own process so that it does not share the server's event loop.
 * It drives one scenario against the server over loopback with keep-alive connections. Closed loop
 * (each client sends its next request when the last one answered) unless a target rate is given,
 * then open loop at that rate.
 *
 * It prints one JSON line per message (`LoadMessage`): `measuring` when the warm-up ends, `measured`
 * when the measured window closes (so that the parent samples CPU time and commit counts over exactly
 * that window), then the result. Only requests answered inside the window count.
 */
export const SCENARIOS = [
  'bare-get',
  'bare-post',
  'healthz',
  'balance',
  'record',
  'authorize',
  'authorize-record',
  'history-first-page',
  'history-filtered-page',
  'usage-batch',
] as const;
export type Scenario = (typeof SCENARIOS)[number];

export interface LoadSpec {
  readonly url: string;
  readonly apiKey: string;
  readonly scenario: Scenario;
  readonly orgs: readonly string[];
  readonly connections: number;
  readonly durationMs: number;
  readonly warmupMs: number;
  /** Operations per second; absent = as fast as the server answers. */
  readonly rate?: number;
  readonly keyPrefix: string;
  /** `usage-batch`: events per request. */
  readonly batchEvents?: number;
}

export interface Percentiles {
  readonly p50: number;
  readonly p95: number;
  readonly p99: number;
  readonly max: number;
}

export interface LoadResult {
  /** Operations answered in the window: one request, or one authorize → record pair. */
  readonly operations: number;
  /** HTTP requests answered in the window, including the untimed release after each `authorize`. */
  readonly requests: number;
  readonly errors: number;
  readonly statusCounts: Record<string, number>;
  readonly seconds: number;
  readonly throughput: number;
  /** Per operation; for `authorize`, the authorize request alone. */
  readonly latencyMs: Percentiles;
  /** Latency of the authorize half of authorize → record pairs. */
  readonly authorizeLatencyMs?: Percentiles;
  /** `usage-batch`: events answered 201 in the window, and events answered anything else. */
  readonly events?: number;
  readonly eventErrors?: number;
}

export type LoadMessage = { readonly phase: 'measuring' } | { readonly phase: 'measured' } | { readonly phase: 'result'; readonly result: LoadResult };

/** At most this many operations in flight per connection in open-loop mode; arrivals beyond are dropped. */
const OPEN_LOOP_IN_FLIGHT_PER_CONNECTION = 4;

function percentiles(samples: number[]): Percentiles {
  if (samples.length === 0) return { p50: 0, p95: 0, p99: 0, max: 0 };
  const sorted = Float64Array.from(samples).sort();
  const at = (q: number) => Number(sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))]!.toFixed(2));
  return { p50: at(0.5), p95: at(0.95), p99: at(0.99), max: Number(sorted[sorted.length - 1]!.toFixed(2)) };
}

function send(message: LoadMessage): void {
  process.stdout.write(`${JSON.stringify(message)}\n`);
}

async function run(spec: LoadSpec): Promise<LoadResult> {
  const origin = new URL(spec.url).origin;
  const pool = new Pool(origin, { connections: spec.connections, pipelining: 1, keepAliveTimeout: 30_000 });
  const headers = { authorization: `Bearer ${spec.apiKey}`, 'content-type': 'application/json' };
  const latencies: number[] = [];
  const authorizeLatencies: number[] = [];
  const statusCounts: Record<string, number> = {};
  let operations = 0;
  let events = 0;
  let eventErrors = 0;
  let batches = 0;
  let requests = 0;
  let errors = 0;
  let sequence = 0;
  let measuring = false;
  let stopped = false;
  let measuredFrom = 0;
  let measuredUntil = 0;

  const call = async (method: 'GET' | 'POST', path: string, body?: unknown) => {
    const started = performance.now();
    const response = await pool.request({ method, path, headers, ...(body === undefined ? {} : { body: JSON.stringify(body) }) });
    const text = await response.body.text();
    const elapsed = performance.now() - started;
    if (measuring) {
      requests += 1;
      statusCounts[response.statusCode] = (statusCounts[response.statusCode] ?? 0) + 1;
      if (response.statusCode >= 400) errors += 1;
    }
    return { status: response.statusCode, text, elapsed };
  };

  /** Runs one operation and returns the latency it is measured by. */
  const operation = async (client: number): Promise<number> => {
    sequence += 1;
    const org = spec.orgs[sequence % spec.orgs.length]!;
    const key = `${spec.keyPrefix}-${client}-${sequence}`;
    const usage = { idempotency_key: key, user_id: `user-${sequence % 50}`, feature: 'assistant', action: 'chat', tokens: 1_200 };
    const authorizeBody = { user_id: usage.user_id, feature: 'assistant', action: 'chat', estimated_tokens: 1_000 };
    const started = performance.now();
    switch (spec.scenario) {
      case 'bare-get':
        await call('GET', '/get');
        break;
      case 'bare-post':
        // The same body as a record, so that both parse and serialize alike.
        await call('POST', '/post', usage);
        break;
      case 'healthz':
        await call('GET', '/healthz');
        break;
      case 'balance':
        await call('GET', `/v1/orgs/${org}/balance`);
        break;
      case 'record':
        await call('POST', `/v1/orgs/${org}/ai/usage`, usage);
        break;
      case 'authorize': {
        const hold = await call('POST', `/v1/orgs/${org}/ai/authorize`, authorizeBody);
        // Released, untimed, so that open holds do not pile up in the org's book and slow every next authorize.
        const holdId = holdIdOf(hold);
        if (holdId) await call('POST', `/v1/orgs/${org}/ai/holds/${holdId}/release`, {});
        return hold.elapsed;
      }
      case 'authorize-record': {
        const hold = await call('POST', `/v1/orgs/${org}/ai/authorize`, authorizeBody);
        if (measuring) authorizeLatencies.push(hold.elapsed);
        const holdId = holdIdOf(hold);
        await call('POST', `/v1/orgs/${org}/ai/usage`, holdId ? { ...usage, hold_id: holdId } : usage);
        break;
      }
      case 'history-first-page':
        await call('GET', `/v1/orgs/${org}/usage?limit=50`);
        break;
      case 'history-filtered-page':
        // user-6 uses reports (6 % 5 = 1), so this page is full, as a real filtered page would be.
        await call('GET', `/v1/orgs/${org}/usage?limit=50&feature=reports&user_id=user-6`);
        break;
      case 'usage-batch': {
        // Each batch spreads its events over the orgs, continuing where the last batch stopped.
        const size = spec.batchEvents ?? 1;
        const first = (batches += 1) * size;
        const batch = Array.from({ length: size }, (_, index) => ({
          ...usage,
          org_id: spec.orgs[(first + index) % spec.orgs.length]!,
          idempotency_key: `${key}-${index}`,
          user_id: `user-${index % 50}`,
        }));
        const answer = await call('POST', '/v1/usage/batch', { events: batch });
        if (measuring && answer.status === 200) {
          const created = (answer.text.match(/"status":201/g) ?? []).length;
          events += created;
          eventErrors += size - created;
        }
        break;
      }
    }
    return performance.now() - started;
  };

  const measured = async (client: number) => {
    try {
      const latency = await operation(client);
      if (measuring) {
        operations += 1;
        latencies.push(latency);
      }
    } catch {
      if (measuring) errors += 1;
    }
  };

  setTimeout(() => {
    measuring = true;
    measuredFrom = performance.now();
    send({ phase: 'measuring' });
  }, spec.warmupMs);
  setTimeout(() => {
    measuring = false;
    stopped = true;
    measuredUntil = performance.now();
    send({ phase: 'measured' });
  }, spec.warmupMs + spec.durationMs);

  if (spec.rate === undefined) {
    await Promise.all(
      Array.from({ length: spec.connections }, async (_, client) => {
        while (!stopped) await measured(client);
      }),
    );
  } else {
    const interval = 1_000 / spec.rate;
    const inFlight = new Set<Promise<void>>();
    let next = performance.now();
    while (!stopped) {
      const now = performance.now();
      if (now < next) {
        await new Promise((resolve) => setTimeout(resolve, Math.max(0, next - now)));
        continue;
      }
      next += interval;
      if (inFlight.size >= spec.connections * OPEN_LOOP_IN_FLIGHT_PER_CONNECTION) continue;
      const task: Promise<void> = measured(inFlight.size).finally(() => inFlight.delete(task));
      inFlight.add(task);
    }
    await Promise.all(inFlight);
  }
  const seconds = (measuredUntil - measuredFrom) / 1_000;
  await pool.close();
  return {
    operations,
    requests,
    errors,
    statusCounts,
    seconds: Number(seconds.toFixed(2)),
    throughput: Math.round(operations / seconds),
    latencyMs: percentiles(latencies),
    ...(spec.scenario === 'authorize-record' ? { authorizeLatencyMs: percentiles(authorizeLatencies) } : {}),
    ...(spec.scenario === 'usage-batch' ? { events, eventErrors } : {}),
  };
}

function holdIdOf(response: { status: number; text: string }): string | undefined {
  return response.status === 200 ? (JSON.parse(response.text) as { hold_id?: string }).hold_id : undefined;
}

const spec = JSON.parse(process.argv[2] ?? '{}') as LoadSpec;
run(spec).then(
  (result) => {
    send({ phase: 'result', result });
    process.exit(0);
  },
  (error: unknown) => {
    console.error(error);
    process.exit(1);
  },
);
