const ignore = () => undefined;

/**
 * Concurrent reads of one key share one query (DESIGN.md: "concurrent reads of the same moment may
 * share one query"). A read that arrives while another runs does not take that one's answer — it
 * may have started before a write this caller already saw acknowledged — but shares the next query,
 * which starts when the running one ends. So every caller gets a state read after it asked, and a
 * hot key costs at most two queries at a time instead of one per caller.
 */
export function sharedReads<V>(): (key: string, read: () => Promise<V>) => Promise<V> {
  const slots = new Map<string, { readonly running: Promise<V>; next: Promise<V> | null }>();
  const start = (key: string, read: () => Promise<V>): Promise<V> => {
    const slot = { running: read(), next: null as Promise<V> | null };
    slots.set(key, slot);
    const settled = () => {
      if (slots.get(key) === slot && slot.next === null) slots.delete(key);
    };
    slot.running.then(settled, settled);
    return slot.running;
  };
  return (key, read) => {
    const slot = slots.get(key);
    if (!slot) return start(key, read);
    slot.next ??= slot.running.then(ignore, ignore).then(() => start(key, read));
    return slot.next;
  };
}
