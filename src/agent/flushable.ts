/**
 * What the shutdown handlers flush on the way out: the span processor and the metric reader
 * alike, and both together (./start.ts).
 */
export interface Flushable {
  forceFlush(): Promise<void>;
  /** process.exit(): a synchronous export, bounded by timeoutMs. */
  flushSync?(timeoutMs: number): void;
  /** The process is exiting: stop retrying unreachable collectors. */
  prepareForExit?(): void;
  /** What is left to deliver; 0 when nothing needs a flush. */
  pendingSpanCount?(): number;
}

/**
 * process.hrtime, not performance.now(): this runs at every exit, and the first use of the
 * `performance` global loads node:perf_hooks (about 1 ms of a short process's life).
 */
function monotonicMs(): number {
  return Number(process.hrtime.bigint()) / 1e6;
}

/** Several flushables as one: each flush runs them all. */
export function allOf(flushables: readonly Flushable[]): Flushable {
  if (flushables.length === 1) return flushables[0]!;
  return {
    forceFlush: () => Promise.all(flushables.map((f) => f.forceFlush())).then(() => undefined),
    // One bound for all: the exit waits for the shutdown timeout at most, not once per flushable.
    flushSync: (timeoutMs) => {
      const deadlineMs = monotonicMs() + timeoutMs;
      // Whole ms: spawnSync's timeout takes an integer.
      for (const f of flushables) f.flushSync?.(Math.max(0, Math.floor(deadlineMs - monotonicMs())));
    },
    prepareForExit: () => {
      for (const f of flushables) f.prepareForExit?.();
    },
    pendingSpanCount: () => flushables.reduce((sum, f) => sum + (f.pendingSpanCount?.() ?? 0), 0),
  };
}
