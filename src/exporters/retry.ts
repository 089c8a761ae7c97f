/**
 * The retry loop both OTLP transports share (OTLP/HTTP and OTLP/gRPC say the same thing in their
 * own words): retry only what the transport judges transient, wait what the server asks for
 * (Retry-After, RetryInfo) or else an exponential backoff with full jitter (a uniform draw in
 * [0, ceiling], so processes restarted together by an outage do not hammer the collector in
 * lockstep), and give up as soon as the next attempt could not start before the deadline.
 *
 * Every wait is unref'd: nothing here holds the process open.
 * This file must not import @opentelemetry/api: the standalone sync sender uses it too.
 */

export interface RetryPolicy {
  readonly initialBackoffMs: number;
  readonly maxBackoffMs: number;
  readonly backoffMultiplier: number;
  /** Total attempts, the first one included. */
  readonly maxAttempts: number;
}

/**
 * 1 s doubling to a 5 s ceiling, 5 attempts: with the default 10 s OTLP timeout this leaves room
 * for about four retries, and the deadline cuts it shorter anyway.
 */
export const DEFAULT_RETRY_POLICY: RetryPolicy = {
  initialBackoffMs: 1000,
  maxBackoffMs: 5000,
  backoffMultiplier: 2,
  maxAttempts: 5,
};

/** Network failures worth another attempt, over either transport. */
export const RETRYABLE_ERROR_CODES: ReadonlySet<string> = new Set([
  'ECONNRESET',
  'ECONNREFUSED',
  'ECONNABORTED',
  'ETIMEDOUT',
  'EPIPE',
  'EAI_AGAIN',
  'ENOTFOUND',
  'ENETUNREACH',
  'EHOSTUNREACH',
  'ENETDOWN',
]);

/** How a transport judges one attempt's outcome. */
export type Verdict =
  | { readonly kind: 'done' }
  | {
      readonly kind: 'retry';
      /** The collector never answered (refused, reset, DNS, TLS…): see RetryStopper. */
      readonly unreachable: boolean;
      /** The delay the server asked for, replacing our backoff. */
      readonly serverDelayMs?: number;
    };

export const DONE: Verdict = { kind: 'done' };

export interface RetryResult<Outcome> {
  /** The last attempt's outcome. */
  readonly outcome: Outcome;
  readonly attempts: number;
  /** True when the last failure was transient and we stopped only for lack of time or attempts. */
  readonly gaveUpRetrying: boolean;
}

/**
 * Lets the owner of in-flight exports stop retrying connection failures: once `stopped`, an
 * attempt that could not reach the collector is final and such a backoff wait under way ends at
 * once. Used when the process is on its way out: an absent collector will not appear within the
 * exit's few seconds, while a busy one (429/503, RESOURCE_EXHAUSTED with RetryInfo) still gets
 * its retries within the shutdown bound.
 */
export class RetryStopper {
  private isStopped = false;
  private readonly sleepers = new Set<() => void>();

  get stopped(): boolean {
    return this.isStopped;
  }

  stop(): void {
    this.isStopped = true;
    for (const wake of this.sleepers) wake();
    this.sleepers.clear();
  }

  /** An unref'd wait that stop() cuts short. */
  sleep(delayMs: number): Promise<void> {
    if (this.isStopped) return Promise.resolve();
    return new Promise((resolve) => {
      const wake = (): void => {
        clearTimeout(timer);
        this.sleepers.delete(wake);
        resolve();
      };
      const timer = setTimeout(wake, delayMs).unref();
      this.sleepers.add(wake);
    });
  }
}

function sleepUnref(delayMs: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, delayMs).unref());
}

export interface RetryOptions {
  readonly timeoutMs: number;
  readonly policy?: RetryPolicy;
  /** Injectable so tests can pin the jitter. */
  readonly random?: () => number;
  readonly stopper?: RetryStopper;
  /** Called before each retry (the transport resets what it tracks per attempt). */
  readonly onRetry?: () => void;
}

/** Attempts until `judge` says done, maxAttempts, the stopper, or the deadline (start + timeoutMs). */
export async function withRetries<Outcome>(
  attempt: (remainingMs: number) => Promise<Outcome>,
  judge: (outcome: Outcome) => Verdict,
  { timeoutMs, policy = DEFAULT_RETRY_POLICY, random = Math.random, stopper, onRetry }: RetryOptions,
): Promise<RetryResult<Outcome>> {
  const deadlineMs = performance.now() + timeoutMs;
  for (let attempts = 1; ; attempts++) {
    const outcome = await attempt(deadlineMs - performance.now());
    const verdict = judge(outcome);
    if (verdict.kind === 'done') return { outcome, attempts, gaveUpRetrying: false };
    onRetry?.();
    const gaveUp = { outcome, attempts, gaveUpRetrying: true };
    if (attempts >= policy.maxAttempts || (verdict.unreachable && stopper?.stopped === true)) return gaveUp;

    const ceilingMs = Math.min(policy.maxBackoffMs, policy.initialBackoffMs * policy.backoffMultiplier ** (attempts - 1));
    const delayMs = verdict.serverDelayMs ?? random() * ceilingMs;
    if (performance.now() + delayMs >= deadlineMs) return gaveUp;
    if (stopper === undefined || !verdict.unreachable) await sleepUnref(delayMs);
    else {
      await stopper.sleep(delayMs);
      if (stopper.stopped) return gaveUp;
    }
  }
}
