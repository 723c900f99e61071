/**
 * Runs `run` every `intervalMs`, one run at a time (a tick while one runs is skipped). A failed run
 * is logged and retried on the next tick; the jobs themselves are idempotent.
 */
export function startScheduler(options: { intervalMs: number; run: () => Promise<unknown>; onError: (error: unknown) => void }): { stop(): Promise<void> } {
  let running: Promise<unknown> | null = null;
  const tick = () => {
    if (running) return;
    running = options.run().catch(options.onError).finally(() => {
      running = null;
    });
  };
  const timer = setInterval(tick, options.intervalMs);
  timer.unref();
  tick();
  return {
    async stop() {
      clearInterval(timer);
      await running;
    },
  };
}
