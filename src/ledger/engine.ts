import type { Clock } from '../clock.js';
import { poolOf, type Db } from '../db/database.js';
import { isDatabaseUnavailable } from '../db/errors.js';
import { beginLockAndLoad, parseLoadedOrgs, rollBack, writeAndCommit, writeDocument } from '../db/ledger-cycle.js';
import { Failure } from '../domain/failures.js';
import { runCycle, type Answer, type OrgEffects } from './kernel.js';
import type { KernelRules } from './state.js';
import { inOrgLedger, type LedgerWorkFunction } from './org-transaction.js';
import type { LedgerRequest, RequestResult } from './requests.js';

/**
 * The ledger engine: one writer per process for the money-moving requests of every org (DESIGN.md).
 * Requests wait in one bounded queue; a cycle takes what is waiting (at most `maxCycleRequests`
 * requests and `maxCycleBytes` of request data) and in one transaction of two round trips —
 * begin + lock + load (one simple query), then write + commit (another) — applies them all with the
 * pure kernel. The cycle's statements are fixed texts that name their orgs in every clause, so they run as
 * the owner, without row-level security: under its policy PostgreSQL would not use the unique index
 * for the idempotency-key lookup and read every usage row of the org instead (docs/performance.md).
 * The use cases' own queries (`transact`) still run under it. A cycle starts as soon as a request
 * arrives and none is running, so a lone request waits for nothing but its own transaction; with
 * `cyclesInFlight` 2 the next one starts once the running one holds its locks (see `pump`). A request
 * that fails fails alone; a cycle whose transaction fails as a whole
 * is retried in halves down to single requests, so one poisonous request cannot take others with it.
 * What is not the ledger's (period invoices, notifications, webhooks) is written as rows by the cycle
 * and done after the commit by `followUp`, outside any lock.
 */
export interface EngineLimits {
  /** false = LOUPE_GROUP_COMMIT=0: every request is its own cycle, run at once (the naive baseline). */
  readonly groupCommit: boolean;
  readonly maxCycleRequests: number;
  readonly maxCycleBytes: number;
  readonly maxQueuePerOrg: number;
  readonly maxQueueTotal: number;
  /** Cycles running at once (LOUPE_LEDGER_CYCLES_IN_FLIGHT): 1, or 2 to overlap the next cycle's begin and lock with this one. */
  readonly cyclesInFlight: number;
}

export const DEFAULT_ENGINE_LIMITS: EngineLimits = {
  groupCommit: true,
  maxCycleRequests: 512,
  maxCycleBytes: 4 * 1024 * 1024,
  maxQueuePerOrg: 5_000,
  maxQueueTotal: 50_000,
  cyclesInFlight: 1,
};

/** What the cycles left to do after their commits: orgs with events to fan out, periods to invoice. */
export interface FollowUps {
  readonly eventOrgIds: readonly string[];
  readonly closingOrgIds: readonly string[];
}

/** Counters for /metrics and the tests: they show that cycles span orgs. */
export interface EngineStats {
  cycles: number;
  requests: number;
  orgs: number;
  largestCycleRequests: number;
  largestCycleOrgs: number;
  /** Cycles whose transaction failed as a whole and were retried in halves. */
  splitCycles: number;
  waiting: number;
}

export interface LedgerEngine {
  readonly rules: KernelRules;
  submit<R extends LedgerRequest>(request: R): Promise<RequestResult<R>>;
  /**
   * Many requests (a batch of usage events) that enter the queue together, in their order, or not at
   * all: past the queue's bounds the whole batch is refused with OVERLOADED and nothing is applied.
   * Each request is settled on its own (one failing never affects the others).
   */
  submitAll<R extends LedgerRequest>(requests: readonly R[]): Promise<PromiseSettledResult<RequestResult<R>>[]>;
  /** A money-moving use case with writes of its own (purchases, settings, plan changes): one org, its own transaction. */
  transact<T>(orgId: string, work: LedgerWorkFunction<T>): Promise<T>;
  stats(): EngineStats;
}

interface Waiting {
  readonly request: LedgerRequest;
  readonly bytes: number;
  readonly resolve: (value: unknown) => void;
  readonly reject: (error: unknown) => void;
}

export function createLedgerEngine(input: {
  db: Db;
  clock: Clock;
  rules: KernelRules;
  limits?: EngineLimits;
  followUp?: (work: FollowUps) => Promise<void>;
  onError?: (error: unknown) => void;
  /** LOUPE_ENGINE_PROFILE=1: where each cycle's time goes, printed every few seconds (docs/performance.md). */
  profile?: (line: string) => void;
}): LedgerEngine {
  const { db, clock, rules } = input;
  const limits = input.limits ?? DEFAULT_ENGINE_LIMITS;
  const pool = poolOf(db);
  const queue: Waiting[] = [];
  const queuedPerOrg = new Map<string, number>();
  let inFlight = 0;
  /** A cycle has sent its lock statement and not yet been granted its locks: the next one waits for that. */
  let acquiring = false;
  const stats: EngineStats = { cycles: 0, requests: 0, orgs: 0, largestCycleRequests: 0, largestCycleOrgs: 0, splitCycles: 0, waiting: 0 };
  const profile = input.profile ? createProfile(input.profile) : null;

  /** Whether these requests fit in the queue's bounds: per org and in all. */
  const hasRoomFor = (requests: readonly LedgerRequest[]): boolean => {
    if (queue.length + requests.length > limits.maxQueueTotal) return false;
    const added = new Map<string, number>();
    for (const request of requests) added.set(request.orgId, (added.get(request.orgId) ?? 0) + 1);
    for (const [orgId, count] of added) if ((queuedPerOrg.get(orgId) ?? 0) + count > limits.maxQueuePerOrg) return false;
    return true;
  };
  const enqueue = (waiting: Waiting) => {
    queuedPerOrg.set(waiting.request.orgId, (queuedPerOrg.get(waiting.request.orgId) ?? 0) + 1);
    queue.push(waiting);
  };

  const followUp = async (effects: readonly OrgEffects[]) => {
    const eventOrgIds = effects.filter((effect) => effect.events.length > 0).map((effect) => effect.orgId);
    const closingOrgIds = effects.filter((effect) => effect.closings.length > 0).map((effect) => effect.orgId);
    if (!input.followUp || (eventOrgIds.length === 0 && closingOrgIds.length === 0)) return;
    // Done again by the jobs if this fails: the rows are durable.
    await input.followUp({ eventOrgIds, closingOrgIds }).catch((error: unknown) => input.onError?.(error));
  };

  /** One transaction: begin + lock + load in one round trip; the kernel; write + commit in another. */
  const execute = async (requests: readonly LedgerRequest[], onLocked: () => void): Promise<{ answers: Answer[]; effects: OrgEffects[] }> => {
    const now = clock.now();
    const orgIds = [...new Set(requests.map((request) => request.orgId))].sort();
    const lap = profile?.start();
    const client = await pool.connect();
    try {
      lap?.('connect');
      const loaded = await beginLockAndLoad(client, orgIds, requests).finally(onLocked);
      lap?.('begin + lock + load');
      const result = runCycle(parseLoadedOrgs(loaded, now), requests, rules);
      const document = JSON.stringify(writeDocument(result.effects, now));
      lap?.('kernel');
      await writeAndCommit(client, document, now);
      lap?.('write + commit');
      profile?.cycle(requests.length);
      client.release();
      stats.cycles += 1;
      stats.requests += requests.length;
      stats.orgs += orgIds.length;
      stats.largestCycleRequests = Math.max(stats.largestCycleRequests, requests.length);
      stats.largestCycleOrgs = Math.max(stats.largestCycleOrgs, orgIds.length);
      return result;
    } catch (error) {
      const rolledBack = await rollBack(client);
      client.release(rolledBack ? undefined : true);
      throw error;
    }
  };

  const settle = (batch: readonly Waiting[], answers: readonly Answer[]) => {
    batch.forEach((waiting, index) => {
      const answer = answers[index];
      if (answer?.ok) waiting.resolve(answer.value);
      else waiting.reject(answer?.failure ?? new Error('a ledger cycle gave no answer'));
    });
  };

  const runBatch = async (batch: readonly Waiting[], onLocked: () => void = () => undefined): Promise<void> => {
    let result: { answers: Answer[]; effects: OrgEffects[] };
    try {
      result = await execute(
        batch.map((waiting) => waiting.request),
        onLocked,
      );
    } catch (error) {
      if (batch.length === 1 || isDatabaseUnavailable(error)) {
        for (const waiting of batch) waiting.reject(error);
        return;
      }
      stats.splitCycles += 1;
      const half = Math.ceil(batch.length / 2);
      await runBatch(batch.slice(0, half), onLocked);
      await runBatch(batch.slice(half), onLocked);
      return;
    }
    await followUp(result.effects);
    settle(batch, result.answers);
  };

  /** Takes the next cycle's requests, in queue order, within the count and byte bounds. */
  const takeBatch = (): Waiting[] => {
    let count = 0;
    let bytes = 0;
    while (count < queue.length && count < limits.maxCycleRequests && (count === 0 || bytes + queue[count]!.bytes <= limits.maxCycleBytes)) {
      bytes += queue[count]!.bytes;
      count += 1;
    }
    const batch = queue.splice(0, count);
    for (const waiting of batch) {
      const left = (queuedPerOrg.get(waiting.request.orgId) ?? 1) - 1;
      if (left > 0) queuedPerOrg.set(waiting.request.orgId, left);
      else queuedPerOrg.delete(waiting.request.orgId);
    }
    return batch;
  };

  /**
   * Starts cycles while fewer than `cyclesInFlight` run. A cycle starts only once the one before it
   * holds its locks, so when both touch an org the later one queues behind the earlier one in
   * PostgreSQL's lock (an org's requests apply in the order they came), while its begin and lock
   * round trip overlaps the earlier cycle's load, write and commit.
   */
  const pump = () => {
    while (inFlight < limits.cyclesInFlight && !acquiring && queue.length > 0) {
      const batch = takeBatch();
      stats.waiting = queue.length;
      inFlight += 1;
      acquiring = true;
      let locked = false;
      const onLocked = () => {
        if (locked) return;
        locked = true;
        acquiring = false;
        pump();
      };
      void runBatch(batch, onLocked).finally(() => {
        inFlight -= 1;
        onLocked();
        pump();
      });
    }
  };

  return {
    rules,
    submit<R extends LedgerRequest>(request: R): Promise<RequestResult<R>> {
      return new Promise((resolve, reject) => {
        const waiting: Waiting = { request, bytes: requestBytes(request), resolve: resolve as (value: unknown) => void, reject };
        if (!limits.groupCommit) return void runBatch([waiting]);
        if (!hasRoomFor([request])) return reject(overloaded());
        enqueue(waiting);
        pump();
      });
    },
    async submitAll<R extends LedgerRequest>(requests: readonly R[]): Promise<PromiseSettledResult<RequestResult<R>>[]> {
      if (limits.groupCommit && !hasRoomFor(requests)) throw overloaded();
      const answers = requests.map(
        (request) =>
          new Promise<RequestResult<R>>((resolve, reject) => {
            const waiting: Waiting = { request, bytes: requestBytes(request), resolve: resolve as (value: unknown) => void, reject };
            if (limits.groupCommit) enqueue(waiting);
            else void runBatch([waiting]);
          }),
      );
      pump();
      return Promise.allSettled(answers);
    },
    async transact<T>(orgId: string, work: LedgerWorkFunction<T>): Promise<T> {
      const { result, effects } = await db.transaction().execute((tx) => inOrgLedger(tx, rules, clock.now(), orgId, work));
      await followUp(effects);
      return result;
    },
    stats: () => ({ ...stats, waiting: queue.length }),
  };
}

const overloaded = () => new Failure('OVERLOADED', 'Too many requests are waiting for this organization; retry in a second.');

/** Roughly what a request holds in memory and sends to PostgreSQL (the cycle's byte bound). */
function requestBytes(request: LedgerRequest): number {
  if (request.kind !== 'record') return 128;
  return 256 + request.idempotencyKey.length + request.userId.length + (request.userName?.length ?? 0) + request.feature.length + request.action.length;
}

/** Milliseconds per phase of the cycles, summed and printed every 5 s with the average cycle size. */
function createProfile(print: (line: string) => void) {
  const totals = new Map<string, number>();
  let cycles = 0;
  let requests = 0;
  setInterval(() => {
    if (cycles === 0) return;
    const phases = [...totals].map(([phase, ms]) => `${phase} ${(ms / cycles).toFixed(2)}`).join(' · ');
    print(`ledger cycles: ${cycles}, ${(requests / cycles).toFixed(1)} requests each; ms per cycle: ${phases}`);
    totals.clear();
    cycles = 0;
    requests = 0;
  }, 5_000).unref();
  return {
    start() {
      let last = performance.now();
      return (phase: string) => {
        const now = performance.now();
        totals.set(phase, (totals.get(phase) ?? 0) + now - last);
        last = now;
      };
    },
    cycle(size: number) {
      cycles += 1;
      requests += size;
    },
  };
}
