import { execFileSync } from 'node:child_process';
import { readdirSync, readFileSync } from 'node:fs';

/**
 * CPU time of process trees, from /proc/<pid>/stat. A tree's time is its root's user + system time,
 * plus that of every live descendant, plus what the kernel has added to each of them for children
 * they reaped (cutime + cstime): a PostgreSQL backend that exits inside a window moves its time from
 * the live sum into the postmaster's reaped sum, so a difference of two samples stays exact.
 * All threads of a process (Node's worker pool, its GC threads) are in the process's own line.
 */
const TICKS_PER_SECOND = clockTicksPerSecond();

interface ProcessTimes {
  readonly ppid: number;
  readonly ticks: number;
}

function clockTicksPerSecond(): number {
  try {
    const ticks = Number(execFileSync('getconf', ['CLK_TCK'], { encoding: 'utf8' }).trim());
    return Number.isInteger(ticks) && ticks > 0 ? ticks : 100;
  } catch {
    return 100;
  }
}

/** Fields after the command name, which sits in parentheses and may itself hold spaces or parentheses. */
function processTimes(pid: string): ProcessTimes | undefined {
  let text: string;
  try {
    text = readFileSync(`/proc/${pid}/stat`, 'utf8');
  } catch {
    return undefined; // exited between the directory listing and the read
  }
  const fields = text.slice(text.lastIndexOf(')') + 2).split(' ');
  // Field numbers as in proc(5): 4 ppid, 14 utime, 15 stime, 16 cutime, 17 cstime; fields[0] is field 3.
  const field = (number: number) => Number(fields[number - 3]);
  return { ppid: field(4), ticks: field(14) + field(15) + field(16) + field(17) };
}

/** CPU milliseconds used so far by each named tree, from one pass over /proc. */
export function cpuMilliseconds<Name extends string>(roots: Readonly<Record<Name, number | undefined>>): Record<Name, number> {
  const table = new Map<number, ProcessTimes>();
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    const times = processTimes(entry);
    if (times) table.set(Number(entry), times);
  }
  const children = new Map<number, number[]>();
  for (const [pid, { ppid }] of table) children.set(ppid, [...(children.get(ppid) ?? []), pid]);
  const treeTicks = (pid: number): number => (table.get(pid)?.ticks ?? 0) + (children.get(pid) ?? []).reduce((sum, child) => sum + treeTicks(child), 0);
  const result = {} as Record<Name, number>;
  for (const name of Object.keys(roots) as Name[]) {
    const root = roots[name];
    result[name] = root === undefined ? 0 : (treeTicks(root) * 1_000) / TICKS_PER_SECOND;
  }
  return result;
}
