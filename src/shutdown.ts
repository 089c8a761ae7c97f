/**
 * Flushes spans on the way out without changing how the process exits.
 *
 * - Normal exit: 'beforeExit' runs while async work is still possible, so we flush there.
 * - process.exit(): 'exit' listeners run synchronously and the event loop never turns again, so
 *   the processors hand their queue to a synchronous export (a child process that POSTs it),
 *   bounded by the shutdown timeout.
 * - SIGTERM / SIGINT / SIGHUP: if the app listens for the signal itself, it keeps control and we
 *   only flush. If we are the only listener, Node's default was to die, so after a bounded flush
 *   we remove our listener and re-raise the signal: the process dies of it, as it would have
 *   without us (unlike agents whose SIGTERM handler keeps an http server alive).
 */
import type { SpanProcessor } from './sdk/types';
import { log } from './log';

const SIGNALS = ['SIGTERM', 'SIGINT', 'SIGHUP'] as const;

export interface ShutdownOptions {
  readonly processor: SpanProcessor;
  readonly shutdownTimeoutMs: number;
}

export function installShutdownHandlers({ processor, shutdownTimeoutMs }: ShutdownOptions): void {
  let flushing: Promise<void> | undefined;

  const flushBounded = (): Promise<void> => {
    if (flushing) return flushing;
    let timer: NodeJS.Timeout | undefined;
    const timeout = new Promise<void>((resolve) => {
      timer = setTimeout(resolve, shutdownTimeoutMs);
      timer.unref();
    });
    flushing = Promise.race([processor.forceFlush().catch(() => undefined), timeout]).finally(() => {
      clearTimeout(timer);
      flushing = undefined;
    });
    return flushing;
  };

  process.on('beforeExit', () => {
    // beforeExit fires again after our flush's I/O drains; with nothing queued the flush does no
    // I/O, the loop stays empty and the process exits.
    if (!flushing) void flushBounded();
  });

  process.on('exit', () => {
    try {
      // A no-op when nothing is queued (normal exits already flushed in beforeExit).
      processor.flushSync?.(shutdownTimeoutMs);
    } catch (err) {
      log.errorOnce('OTELI_E_EXIT_FLUSH', 'flushing spans at exit failed', err);
    }
  });

  for (const signal of SIGNALS) {
    const onSignal = (): void => {
      if (process.listenerCount(signal) > 1) {
        // The app handles this signal: it decides whether and when to exit.
        void flushBounded();
        return;
      }
      void flushBounded().finally(() => {
        process.removeListener(signal, onSignal);
        if (process.listenerCount(signal) === 0) process.kill(process.pid, signal);
      });
    };
    process.on(signal, onSignal);
  }
}
