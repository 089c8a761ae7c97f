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
  // Once a flush has used up its time, the collector is not answering: the exit-time
  // synchronous export would only add another full timeout to the app's exit.
  let flushTimedOut = false;

  const flushBounded = (): Promise<void> => {
    if (flushing) return flushing;
    let timer: NodeJS.Timeout | undefined;
    const timeout = new Promise<void>((resolve) => {
      // Ref'd on purpose: the exporter's sockets and retry timers are unref'd (they must never
      // hold a running app open), so during a shutdown flush this timer is what keeps the
      // process alive until the flush ends or the time is up.
      timer = setTimeout(() => {
        flushTimedOut = true;
        log.warnOnce(
          'OTELI_W_SHUTDOWN_TIMEOUT',
          `${processor.pendingSpanCount?.() ?? 'some'} spans not delivered within ${shutdownTimeoutMs} ms (OTEL_NODE_SHUTDOWN_TIMEOUT); is the collector reachable?`,
        );
        resolve();
      }, shutdownTimeoutMs);
    });
    flushing = Promise.race([processor.forceFlush().catch(() => undefined), timeout]).finally(() => {
      clearTimeout(timer);
      flushing = undefined;
    });
    return flushing;
  };

  process.on('beforeExit', () => {
    // beforeExit fires again once our flush is done; with nothing pending we add no work, the
    // loop stays empty and the process exits.
    // After a timed-out flush the exporter may still be retrying on unref'd timers: flushing
    // again would hold the process another full timeout, every time the loop drains.
    if (!flushTimedOut && (processor.pendingSpanCount?.() ?? 0) > 0) {
      processor.prepareForExit?.();
      void flushBounded();
    }
  });

  process.on('exit', () => {
    try {
      // A no-op when nothing is queued (normal exits already flushed in beforeExit).
      if (!flushTimedOut) processor.flushSync?.(shutdownTimeoutMs);
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
      processor.prepareForExit?.();
      void flushBounded().finally(() => {
        process.removeListener(signal, onSignal);
        if (process.listenerCount(signal) === 0) process.kill(process.pid, signal);
      });
    };
    process.on(signal, onSignal);
  }
}
