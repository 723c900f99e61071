import type pg from 'pg';
import type { Clock } from '../clock.js';
import { poolOf, type Db } from '../db/database.js';
import { isDatabaseUnavailable } from '../db/errors.js';
import { LOAD_SQL, LOCK_SQL, WRITE_SQL, loadParameters, parseLoadedOrgs, writeParameters, type LoadRow } from '../db/ledger-cycle.js';
import { Failure } from '../domain/failures.js';
import { runCycle, type Answer, type KernelRules, type OrgEffects } from './kernel.js';
import { inOrgLedger, type LedgerWorkFunction } from './org-transaction.js';
import type { LedgerRequest, RequestResult } from './requests.js';

/**
 * The ledger engine: one writer per process for the money-moving requests of every org (DESIGN.md).
 * Requests wait in one bounded queue; a cycle takes what is waiting (at most `maxCycleRequests`
 * requests and `maxCycleBytes` of request data) and in one transaction of four round trips —
 * begin + lock (one simple query), load, write, commit — applies them all with the pure kernel.
 * The cycle's three statements are fixed texts that name their orgs in every clause, so they run as
 * the owner, without row-level security: under its policy PostgreSQL would not use the unique index
 * for the idempotency-key lookup and read every usage row of the org instead (docs/performance.md).
 * The use cases' own queries (`transact`) still run under it. A cycle starts as soon as a request arrives and none is running, so a lone request waits
 * for nothing but its own transaction. With `cyclesInFlight` 2, a second cycle runs on orgs the
 * first does not hold. A request that fails fails alone; a cycle whose transaction fails as a whole
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
  const busyOrgs = new Set<string>();
  let inFlight = 0;
  const stats: EngineStats = { cycles: 0, requests: 0, orgs: 0, largestCycleRequests: 0, largestCycleOrgs: 0, splitCycles: 0, waiting: 0 };
  const profile = input.profile ? createProfile(input.profile) : null;

  const followUp = async (effects: readonly OrgEffects[]) => {
    const eventOrgIds = effects.filter((effect) => effect.events.length > 0).map((effect) => effect.orgId);
    const closingOrgIds = effects.filter((effect) => effect.closings.length > 0).map((effect) => effect.orgId);
    if (!input.followUp || (eventOrgIds.length === 0 && closingOrgIds.length === 0)) return;
    // Done again by the jobs if this fails: the rows are durable.
    await input.followUp({ eventOrgIds, closingOrgIds }).catch((error: unknown) => input.onError?.(error));
  };

  /** One transaction: begin, scope and lock in one round trip; load; the kernel; write; commit. */
  const execute = async (requests: readonly LedgerRequest[]): Promise<{ answers: Answer[]; effects: OrgEffects[] }> => {
    const now = clock.now();
    const orgIds = [...new Set(requests.map((request) => request.orgId))].sort();
    const lap = profile?.start();
    const client = await pool.connect();
    try {
      lap?.('connect');
      await client.query(`BEGIN; ${literal(client, LOCK_SQL, [orgIds])}`);
      lap?.('begin + lock');
      const loaded = await client.query<LoadRow>({ name: 'ledger-load', text: LOAD_SQL, values: loadParameters(orgIds, requests) });
      lap?.('load');
      const result = runCycle(parseLoadedOrgs(loaded.rows, now), requests, rules);
      const values = writeParameters(result.effects, now);
      lap?.('kernel');
      await client.query({ name: 'ledger-write', text: WRITE_SQL, values });
      lap?.('write');
      await client.query('COMMIT');
      lap?.('commit');
      profile?.cycle(requests.length);
      client.release();
      stats.cycles += 1;
      stats.requests += requests.length;
      stats.orgs += orgIds.length;
      stats.largestCycleRequests = Math.max(stats.largestCycleRequests, requests.length);
      stats.largestCycleOrgs = Math.max(stats.largestCycleOrgs, orgIds.length);
      return result;
    } catch (error) {
      const rolledBack = await client.query('ROLLBACK').then(
        () => true,
        () => false,
      );
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

  const runBatch = async (batch: readonly Waiting[]): Promise<void> => {
    let result: { answers: Answer[]; effects: OrgEffects[] };
    try {
      result = await execute(batch.map((waiting) => waiting.request));
    } catch (error) {
      if (batch.length === 1 || isDatabaseUnavailable(error)) {
        for (const waiting of batch) waiting.reject(error);
        return;
      }
      stats.splitCycles += 1;
      const half = Math.ceil(batch.length / 2);
      await runBatch(batch.slice(0, half));
      await runBatch(batch.slice(half));
      return;
    }
    await followUp(result.effects);
    settle(batch, result.answers);
  };

  /** Takes the next cycle's requests: in queue order, skipping orgs another cycle holds. */
  const takeBatch = (): Waiting[] => {
    const batch: Waiting[] = [];
    let bytes = 0;
    for (let index = 0; index < queue.length && batch.length < limits.maxCycleRequests; ) {
      const waiting = queue[index]!;
      if (busyOrgs.has(waiting.request.orgId)) {
        index += 1;
        continue;
      }
      if (batch.length > 0 && bytes + waiting.bytes > limits.maxCycleBytes) break;
      bytes += waiting.bytes;
      batch.push(waiting);
      queue.splice(index, 1);
    }
    return batch;
  };

  const pump = () => {
    while (inFlight < limits.cyclesInFlight && queue.length > 0) {
      const batch = takeBatch();
      if (batch.length === 0) return;
      const orgIds = new Set(batch.map((waiting) => waiting.request.orgId));
      for (const orgId of orgIds) {
        busyOrgs.add(orgId);
        const left = (queuedPerOrg.get(orgId) ?? 0) - batch.filter((waiting) => waiting.request.orgId === orgId).length;
        if (left > 0) queuedPerOrg.set(orgId, left);
        else queuedPerOrg.delete(orgId);
      }
      stats.waiting = queue.length;
      inFlight += 1;
      void runBatch(batch).finally(() => {
        inFlight -= 1;
        for (const orgId of orgIds) busyOrgs.delete(orgId);
        pump();
      });
    }
  };

  return {
    rules,
    submit<R extends LedgerRequest>(request: R): Promise<RequestResult<R>> {
      return new Promise((resolve, reject) => {
        const waiting: Waiting = { request, bytes: requestBytes(request), resolve: resolve as (value: unknown) => void, reject };
        if (!limits.groupCommit) {
          void runBatch([waiting]);
          return;
        }
        const queuedForOrg = queuedPerOrg.get(request.orgId) ?? 0;
        if (queuedForOrg >= limits.maxQueuePerOrg || queue.length >= limits.maxQueueTotal) {
          reject(new Failure('OVERLOADED', 'Too many requests are waiting for this organization; retry in a second.'));
          return;
        }
        queuedPerOrg.set(request.orgId, queuedForOrg + 1);
        queue.push(waiting);
        pump();
      });
    },
    async transact<T>(orgId: string, work: LedgerWorkFunction<T>): Promise<T> {
      const { result, effects } = await db.transaction().execute((tx) => inOrgLedger(tx, rules, clock.now(), orgId, work));
      await followUp(effects);
      return result;
    },
    stats: () => ({ ...stats, waiting: queue.length }),
  };
}

/** A statement with its parameters written as literals, for the one simple query that begins a cycle. */
function literal(client: pg.PoolClient, text: string, values: readonly (string | readonly string[])[]): string {
  return text.replace(/\$(\d+)(::text\[\])?/g, (_match, index: string) => {
    const value = values[Number(index) - 1]!;
    return typeof value === 'string' ? client.escapeLiteral(value) : `ARRAY[${value.map((item) => client.escapeLiteral(item)).join(',')}]::text[]`;
  });
}

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
