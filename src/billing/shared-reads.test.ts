import { describe, expect, it } from 'vitest';
import { sharedReads } from './shared-reads.js';

/** A read whose end the test decides, numbered in the order the reads started. */
function controlledReads() {
  const started: { resolve: (value: number) => void; reject: (error: Error) => void }[] = [];
  const read = () => new Promise<number>((resolve, reject) => started.push({ resolve: (value) => resolve(value), reject }));
  return { started, read };
}

const tick = () => new Promise((resolve) => setImmediate(resolve));

describe('shared reads', () => {
  it('callers that arrive while a read runs share the next read, never the running one', async () => {
    const shared = sharedReads<number>();
    const { started, read } = controlledReads();
    const first = shared('org', read);
    const later = Array.from({ length: 10 }, () => shared('org', read));
    expect(started).toHaveLength(1);
    started[0]!.resolve(1);
    expect(await first).toBe(1);
    await tick();
    // The ten that came during the first read share one second read, started after it ended.
    expect(started).toHaveLength(2);
    const afterSecondStarted = shared('org', read);
    started[1]!.resolve(2);
    expect(await Promise.all(later)).toEqual(Array(10).fill(2));
    await tick();
    expect(started).toHaveLength(3);
    started[2]!.resolve(3);
    expect(await afterSecondStarted).toBe(3);
    // Nothing running: the next caller starts a read of its own at once.
    const alone = shared('org', read);
    expect(started).toHaveLength(4);
    started[3]!.resolve(4);
    expect(await alone).toBe(4);
  });

  it('a failed read fails its callers only; the next read still runs; keys do not share', async () => {
    const shared = sharedReads<number>();
    const { started, read } = controlledReads();
    const failing = shared('a', read);
    const next = shared('a', read);
    const other = shared('b', read);
    expect(started).toHaveLength(2);
    started[0]!.reject(new Error('database gone'));
    await expect(failing).rejects.toThrow('database gone');
    started[1]!.resolve(20);
    expect(await other).toBe(20);
    await tick();
    expect(started).toHaveLength(3);
    started[2]!.resolve(30);
    expect(await next).toBe(30);
  });
});
