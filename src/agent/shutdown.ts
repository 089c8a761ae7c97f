/**
 * Flushes spans (and metrics) on the way out without changing how the process exits.
 *
 * - Normal exit: 'beforeExit' runs while async work is still possible, so we flush there, holding
 *   that emission back from the app's listeners until the flush is done: they run as often as
 *   without us, after the flush.
 * - process.exit(): 'exit' listeners run synchronously and the event loop never turns again, so
 *   the processors hand their queue to a synchronous export (a child process that POSTs it),
 *   bounded by the shutdown timeout.
 * - SIGTERM / SIGINT / SIGHUP: if the app listens for the signal itself, it keeps control and our
 *   listener is not even there (see installSignalHandlers); its exit flushes as above. If it does
 *   not, Node's default was to die, so after a bounded flush we remove our listener and re-raise
 *   the signal: the process dies of it, as it would have without us (unlike agents whose SIGTERM
 *   handler keeps an http server alive).
 */
import type { Flushable } from './flushable';
import { constants } from 'node:os';
import { log } from '../log';

const SIGNALS = ['SIGTERM', 'SIGINT', 'SIGHUP'] as const;
/** 'beforeExit' emissions we may hold back in a row (a flush, a second flush, one more turn). */
const MAX_HELD_EMISSIONS = 3;
const noop = (): void => {};

export interface ShutdownOptions {
  /** The span processor and the metric reader (./flushable.ts). */
  readonly processor: Flushable;
  readonly shutdownTimeoutMs: number;
  /** Spans still queued, for the timeout's warning. */
  readonly pendingSpans?: () => number;
  /** Says what became of the spans: once, as the process ends (by exit or by a signal). */
  readonly reportAtExit?: () => void;
}

export function installShutdownHandlers({ processor, shutdownTimeoutMs, pendingSpans, reportAtExit }: ShutdownOptions): void {
  let reported = false;
  const reportOnce = (): void => {
    if (reported) return;
    reported = true;
    try {
      reportAtExit?.();
    } catch (err) {
      log.errorOnce('OTELI_E_EXIT_REPORT', 'reporting span totals at exit failed', err);
    }
  };
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
          `${pendingSpans?.() ?? processor.pendingSpanCount?.() ?? 'some'} spans not delivered within ${shutdownTimeoutMs} ms (OTEL_NODE_SHUTDOWN_TIMEOUT); is the collector reachable?`,
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

  // Whether the loop has turned again since the app last saw a 'beforeExit'.
  let extraTurnTaken = false;
  let emissionsHeldInARow = 0;
  // Signals our listener saw since the last extra turn: the app, or we, may have re-raised one.
  let signalsSinceTurn = 0;
  /**
   * Runs before every 'beforeExit' reaches the app. True when we need the loop to turn again, for
   * a flush or for one more poll: this emission is then held back, and the app's listeners get
   * the one that follows. Passing both on would call them twice, where without us they run once
   * (and an app that closes its pool there would close it twice).
   */
  const needsAnotherTurn = (): boolean => {
    // A bound whatever happens below: the app's exit must never become a loop of ours.
    if (emissionsHeldInARow >= MAX_HELD_EMISSIONS) return false;
    let hold = false;
    // After a timed-out flush the exporter may still be retrying on unref'd timers: flushing
    // again would hold the process another full timeout, every time the loop drains.
    if (!flushTimedOut && (processor.pendingSpanCount?.() ?? 0) > 0) {
      processor.prepareForExit?.();
      void flushBounded();
      hold = true;
    } else if (!extraTurnTaken || signalsSinceTurn > 0) {
      // A signal that came while the app's last callback ran is read by libuv only in a later
      // poll phase. Had the loop no further turn, the process would exit 0 where, without our
      // listener, the signal would have killed it. One more turn gives that poll.
      hold = true;
    }
    if (hold) {
      signalsSinceTurn = 0;
      // Keeps the loop alive whatever the flush does (a synchronous exporter settles it in
      // microtasks): without a turn there is no next 'beforeExit' for the app's listeners.
      setImmediate(noop);
    }
    return hold;
  };

  type Emit = (this: NodeJS.Process, event: string | symbol, ...args: unknown[]) => boolean;
  const originalEmit = process.emit as unknown as Emit;
  // A declaration, not `const emit = function emit`: the bundler renames such a name (emit2),
  // and process.emit.name is the app's to see.
  function emit(this: NodeJS.Process, event: string | symbol): boolean {
    if (event === 'beforeExit') {
      let hold = false;
      try {
        hold = needsAnotherTurn();
      } catch (err) {
        log.errorOnce('OTELI_E_BEFORE_EXIT', 'flushing spans before exit failed', err);
      }
      extraTurnTaken = hold;
      emissionsHeldInARow = hold ? emissionsHeldInARow + 1 : 0;
      if (hold) return false;
    }
    return originalEmit.apply(this, arguments as unknown as Parameters<Emit>);
  }
  process.emit = emit as unknown as typeof process.emit;

  process.on('exit', () => {
    try {
      // A no-op when nothing is queued (normal exits already flushed in beforeExit).
      if (!flushTimedOut) processor.flushSync?.(shutdownTimeoutMs);
    } catch (err) {
      log.errorOnce('OTELI_E_EXIT_FLUSH', 'flushing spans at exit failed', err);
    }
    reportOnce();
  });

  installSignalHandlers(processor, flushBounded, () => signalsSinceTurn++, reportOnce);
}

/**
 * Dies of `signal` as Node's default action would have. As PID 1 (a container whose command is
 * `otel-instrument node app.js`: the CLI execs, so the app is PID 1) the kernel ignores a default
 * action, and the app would run on until the runtime's SIGKILL; it then exits 128+n instead, as
 * it did under a forwarding launcher.
 */
function dieOf(signal: NodeJS.Signals): void {
  if (process.pid === 1) process.exit(128 + (constants.signals[signal] ?? 0));
  process.kill(process.pid, signal);
}

/**
 * Our listener for SIGTERM / SIGINT / SIGHUP is there only while the app has none. Node's default
 * for a signal nobody listens to is death, so ours flushes, then re-raises the signal with no
 * listener left, and the process dies of it as it would have without us. Once the app listens,
 * ours steps aside: `process.listeners(signal)` is then exactly the app's. Code that re-raises
 * only when it is the sole listener (signal-exit, behind execa, ora, write-file-atomic …) would
 * otherwise leave the process running forever on SIGTERM. The app's own exit then flushes ('exit',
 * 'beforeExit'); ours comes back when the app's last listener goes.
 */
function installSignalHandlers(
  processor: Flushable,
  flushBounded: () => Promise<void>,
  onAnySignal: () => void,
  /** Before dying of the signal: no 'exit' event follows. */
  beforeDeath: () => void,
): void {
  const handlers = new Map<string | symbol, () => void>();
  // Our own on()/off() emit 'newListener'/'removeListener' too; those must not move us again.
  let adjusting = false;
  const adjust = (change: () => void): void => {
    adjusting = true;
    try {
      change();
    } finally {
      adjusting = false;
    }
  };
  const attach = (signal: string | symbol): void => adjust(() => process.on(signal as NodeJS.Signals, handlers.get(signal)!));
  const detach = (signal: string | symbol): void => adjust(() => process.removeListener(signal as NodeJS.Signals, handlers.get(signal)!));
  const isAttached = (signal: string | symbol): boolean => process.listeners(signal as NodeJS.Signals).includes(handlers.get(signal)!);

  for (const signal of SIGNALS) {
    const onSignal = (): void => {
      onAnySignal();
      processor.prepareForExit?.();
      void flushBounded().finally(() => {
        if (isAttached(signal)) detach(signal);
        // The app may have started listening meanwhile: then it decides.
        if (process.listenerCount(signal) === 0) {
          beforeDeath();
          dieOf(signal);
        }
      });
    };
    handlers.set(signal, onSignal);
    if (process.listenerCount(signal) === 0) attach(signal);
  }

  const stepAside = (signal: string | symbol): void => {
    try {
      if (isAttached(signal) && process.listenerCount(signal as NodeJS.Signals) > 1) detach(signal);
    } catch (err) {
      log.errorOnce('OTELI_E_SIGNAL_LISTENER', "stepping aside for the app's signal listener failed", err);
    }
  };
  process.on('newListener', (event: string | symbol) => {
    // Fires before the app's listener is added, and after Node's own 'newListener' hook decided
    // the signal is already watched (ours): removing ours now would make Node stop watching it.
    // So once the app's listener is in place.
    if (adjusting || !handlers.has(event)) return;
    queueMicrotask(() => stepAside(event));
  });
  process.on('removeListener', (event: string | symbol) => {
    // Fires after the app's listener is gone.
    if (adjusting || !handlers.has(event)) return;
    try {
      if (process.listenerCount(event as NodeJS.Signals) === 0) attach(event);
    } catch (err) {
      log.errorOnce('OTELI_E_SIGNAL_LISTENER', 'taking the signal back from the app failed', err);
    }
  });
}
