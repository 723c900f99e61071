import { Pool } from 'undici';

/**
 * The load generator, run as its own process so that it does not share the server's event loop.
 * It drives one scenario against the server over loopback with keep-alive connections and prints
 * one JSON line with the figures. Closed loop (each client sends its next request when the last one
 * answered) unless a target rate is given, then open loop at that rate.
 */
export interface LoadSpec {
  readonly url: string;
  readonly apiKey: string;
  readonly scenario: 'record' | 'authorize-record' | 'history-first-page' | 'history-filtered-page';
  readonly orgs: readonly string[];
  readonly connections: number;
  readonly durationMs: number;
  readonly warmupMs: number;
  /** Requests (or pairs) per second; absent = as fast as the server answers. */
  readonly rate?: number;
  readonly keyPrefix: string;
}

export interface LoadResult {
  readonly operations: number;
  readonly requests: number;
  readonly errors: number;
  readonly statusCounts: Record<string, number>;
  readonly seconds: number;
  readonly throughput: number;
  readonly latencyMs: { p50: number; p95: number; p99: number; max: number };
  /** Latency of the authorize half of authorize → record pairs. */
  readonly authorizeLatencyMs?: { p50: number; p95: number; p99: number; max: number };
}

function percentiles(samples: number[]) {
  if (samples.length === 0) return { p50: 0, p95: 0, p99: 0, max: 0 };
  const sorted = Float64Array.from(samples).sort();
  const at = (q: number) => Number(sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))]!.toFixed(2));
  return { p50: at(0.5), p95: at(0.95), p99: at(0.99), max: Number(sorted[sorted.length - 1]!.toFixed(2)) };
}

async function run(spec: LoadSpec): Promise<LoadResult> {
  const origin = new URL(spec.url).origin;
  const pool = new Pool(origin, { connections: spec.connections, pipelining: 1, keepAliveTimeout: 30_000 });
  const headers = { authorization: `Bearer ${spec.apiKey}`, 'content-type': 'application/json' };
  const latencies: number[] = [];
  const authorizeLatencies: number[] = [];
  const statusCounts: Record<string, number> = {};
  let operations = 0;
  let requests = 0;
  let errors = 0;
  let sequence = 0;
  let measuring = false;

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

  const operation = async (client: number) => {
    sequence += 1;
    const org = spec.orgs[sequence % spec.orgs.length]!;
    const key = `${spec.keyPrefix}-${client}-${sequence}`;
    const usage = { idempotency_key: key, user_id: `user-${sequence % 50}`, feature: 'assistant', action: 'chat', tokens: 1_200 };
    const started = performance.now();
    switch (spec.scenario) {
      case 'record':
        await call('POST', `/v1/orgs/${org}/ai/usage`, usage);
        break;
      case 'authorize-record': {
        const hold = await call('POST', `/v1/orgs/${org}/ai/authorize`, { user_id: usage.user_id, feature: 'assistant', action: 'chat', estimated_tokens: 1_000 });
        if (measuring) authorizeLatencies.push(hold.elapsed);
        const holdId = hold.status === 200 ? (JSON.parse(hold.text) as { hold_id?: string }).hold_id : undefined;
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
    }
    if (measuring) {
      operations += 1;
      latencies.push(performance.now() - started);
    }
  };

  const deadline = Date.now() + spec.warmupMs + spec.durationMs;
  setTimeout(() => (measuring = true), spec.warmupMs).unref();
  let measuredFrom = 0;
  setTimeout(() => (measuredFrom = performance.now()), spec.warmupMs).unref();
  if (spec.rate === undefined) {
    await Promise.all(
      Array.from({ length: spec.connections }, async (_, client) => {
        while (Date.now() < deadline) await operation(client).catch(() => (errors += measuring ? 1 : 0));
      }),
    );
  } else {
    const interval = 1_000 / spec.rate;
    const inFlight = new Set<Promise<void>>();
    let next = performance.now();
    while (Date.now() < deadline) {
      const now = performance.now();
      if (now < next) {
        await new Promise((resolve) => setTimeout(resolve, Math.max(0, next - now)));
        continue;
      }
      next += interval;
      if (inFlight.size >= spec.connections * 4) continue;
      const task: Promise<void> = operation(inFlight.size)
        .catch(() => void (errors += measuring ? 1 : 0))
        .finally(() => inFlight.delete(task));
      inFlight.add(task);
    }
    await Promise.all(inFlight);
  }
  const seconds = (performance.now() - measuredFrom) / 1_000;
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
  };
}

const spec = JSON.parse(process.argv[2] ?? '{}') as LoadSpec;
run(spec).then(
  (result) => {
    process.stdout.write(`${JSON.stringify(result)}\n`);
    process.exit(0);
  },
  (error: unknown) => {
    console.error(error);
    process.exit(1);
  },
);
