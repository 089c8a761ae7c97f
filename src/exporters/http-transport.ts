/**
 * One OTLP/HTTP POST, and the retry loop around it.
 *
 * Retry rules follow the OTLP/HTTP spec: only 429, 502, 503 and 504 (and transient network
 * failures) are retried; a Retry-After header (delay-seconds or HTTP-date) replaces our own
 * backoff; we give up as soon as the next attempt could not start before the deadline.
 * Backoff is exponential with full jitter (a uniform draw in [0, ceiling]) so that many
 * processes restarted together by an outage do not hammer the collector in lockstep.
 *
 * Nothing here holds the process open: sockets and timers are unref'd. An export still running
 * when the app exits is handed to the synchronous path by the batch processor instead.
 * This file must not import @opentelemetry/api: the standalone sync sender uses it too.
 */
import * as http from 'node:http';

/** Collectors answer with a short status; anything longer is noise we refuse to buffer. */
export const MAX_RESPONSE_BODY_BYTES = 64 * 1024;

export interface PostTarget {
  readonly url: URL;
  readonly agent: http.Agent;
  readonly headers: Readonly<Record<string, string>>;
}

export type AttemptOutcome =
  | {
      readonly kind: 'response';
      readonly statusCode: number;
      readonly headers: http.IncomingHttpHeaders;
      /** At most MAX_RESPONSE_BODY_BYTES. */
      readonly body: Buffer;
    }
  | { readonly kind: 'error'; readonly error: NodeJS.ErrnoException };

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

export interface PostResult {
  /** The last attempt's outcome. */
  readonly outcome: AttemptOutcome;
  readonly attempts: number;
  /** True when the last failure was transient and we stopped only for lack of time or attempts. */
  readonly gaveUpRetrying: boolean;
}

const RETRYABLE_STATUS = new Set([429, 502, 503, 504]);
const RETRYABLE_ERROR_CODES = new Set([
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

export function isSuccess(outcome: AttemptOutcome): boolean {
  return outcome.kind === 'response' && outcome.statusCode >= 200 && outcome.statusCode < 300;
}

export function isRetryable(outcome: AttemptOutcome): boolean {
  if (outcome.kind === 'response') return RETRYABLE_STATUS.has(outcome.statusCode);
  return outcome.error.code !== undefined && RETRYABLE_ERROR_CODES.has(outcome.error.code);
}

/** Retry-After as a delay in ms, or undefined when absent or unparseable (RFC 9110 §10.2.3). */
export function parseRetryAfterMs(value: string | string[] | undefined, nowMs: number): number | undefined {
  const text = Array.isArray(value) ? value[0] : value;
  if (text === undefined) return undefined;
  const trimmed = text.trim();
  if (/^\d+$/.test(trimmed)) return Number(trimmed) * 1000;
  // An HTTP-date starts with a day name; without this check Date.parse('-5') is year -5.
  if (!/^[A-Za-z]{3}/.test(trimmed)) return undefined;
  const dateMs = Date.parse(trimmed);
  if (Number.isNaN(dateMs)) return undefined;
  return Math.max(0, dateMs - nowMs);
}

function timeoutError(timeoutMs: number): NodeJS.ErrnoException {
  const error: NodeJS.ErrnoException = new Error(`no complete answer within ${timeoutMs} ms`);
  error.code = 'ETIMEDOUT';
  return error;
}

function asErrno(err: unknown): NodeJS.ErrnoException {
  return err instanceof Error ? err : new Error(String(err));
}

/** One POST. Resolves (never rejects) with the response or the error; bounded by timeoutMs. */
/** Tells whether the current attempt's body has been fully written to the socket. */
export interface SendProgress {
  written: boolean;
}

export function sendOnce(
  target: PostTarget,
  body: Uint8Array,
  timeoutMs: number,
  progress?: SendProgress,
): Promise<AttemptOutcome> {
  return new Promise((resolve) => {
    let settled = false;
    let timer: NodeJS.Timeout | undefined;
    const finish = (outcome: AttemptOutcome): void => {
      if (settled) return;
      settled = true;
      if (timer !== undefined) clearTimeout(timer);
      resolve(outcome);
    };

    let req: http.ClientRequest;
    try {
      // node:https is loaded only for an https endpoint (~5 ms of start-up otherwise).
      const request =
        target.url.protocol === 'https:' ? (require('node:https') as typeof import('node:https')).request : http.request;
      req = request(target.url, {
        method: 'POST',
        agent: target.agent,
        headers: { ...target.headers, 'content-length': String(body.byteLength) },
      });
    } catch (err) {
      finish({ kind: 'error', error: asErrno(err) });
      return;
    }

    const budgetMs = Math.max(0, timeoutMs);
    timer = setTimeout(() => {
      const error = timeoutError(budgetMs);
      finish({ kind: 'error', error });
      req.destroy(error);
    }, budgetMs);
    timer.unref();

    // A keep-alive agent re-refs a socket when it reuses it, so unref on every assignment.
    req.on('socket', (socket) => socket.unref());
    req.on('error', (error) => finish({ kind: 'error', error }));
    if (progress !== undefined) req.on('finish', () => (progress.written = true));
    req.on('response', (res) => {
      const chunks: Buffer[] = [];
      let size = 0;
      const done = (): void =>
        finish({ kind: 'response', statusCode: res.statusCode ?? 0, headers: res.headers, body: Buffer.concat(chunks, size) });
      res.on('data', (chunk: Buffer) => {
        if (settled) return;
        const room = MAX_RESPONSE_BODY_BYTES - size;
        if (chunk.length < room) {
          chunks.push(chunk);
          size += chunk.length;
          return;
        }
        chunks.push(chunk.subarray(0, room));
        size += room;
        done();
        // The rest is not worth reading; the socket is discarded rather than reused.
        res.destroy();
      });
      res.on('end', done);
      res.on('error', (error) => finish({ kind: 'error', error }));
      res.on('close', () => {
        if (!res.complete) finish({ kind: 'error', error: Object.assign(new Error('answer cut short'), { code: 'ECONNRESET' }) });
      });
    });
    req.end(body);
  });
}

/**
 * Lets the owner of in-flight exports stop retrying connection failures: once `stopped`, an
 * attempt that could not reach the collector (refused, reset, DNS, TLS…) is final and such a
 * backoff wait under way ends at once. Used when the process is on its way out: an absent
 * collector will not appear within the exit's few seconds, while a busy one (429/503) answering
 * with Retry-After still gets its retries within the shutdown bound.
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

/**
 * POST with retries until success, a permanent failure, maxAttempts, or the deadline
 * (start + timeoutMs). `random` is injectable so tests can pin the jitter.
 */
export async function postWithRetry(
  target: PostTarget,
  body: Uint8Array,
  timeoutMs: number,
  policy: RetryPolicy = DEFAULT_RETRY_POLICY,
  random: () => number = Math.random,
  progress?: SendProgress,
  stopper?: RetryStopper,
): Promise<PostResult> {
  const deadlineMs = performance.now() + timeoutMs;
  for (let attempt = 1; ; attempt++) {
    const outcome = await sendOnce(target, body, deadlineMs - performance.now(), progress);
    if (isSuccess(outcome) || !isRetryable(outcome)) return { outcome, attempts: attempt, gaveUpRetrying: false };
    // Refused or failed: it is no longer on its way to the collector.
    if (progress !== undefined) progress.written = false;
    const unreachable = outcome.kind === 'error';
    if (attempt >= policy.maxAttempts || (unreachable && stopper?.stopped === true)) {
      return { outcome, attempts: attempt, gaveUpRetrying: true };
    }

    const ceilingMs = Math.min(policy.maxBackoffMs, policy.initialBackoffMs * policy.backoffMultiplier ** (attempt - 1));
    const retryAfterMs =
      outcome.kind === 'response' ? parseRetryAfterMs(outcome.headers['retry-after'], Date.now()) : undefined;
    const delayMs = retryAfterMs ?? random() * ceilingMs;
    if (performance.now() + delayMs >= deadlineMs) return { outcome, attempts: attempt, gaveUpRetrying: true };
    if (stopper === undefined || !unreachable) await sleepUnref(delayMs);
    else {
      await stopper.sleep(delayMs);
      if (stopper.stopped) return { outcome, attempts: attempt, gaveUpRetrying: true };
    }
  }
}

/** A short, printable description of a failed attempt, stable enough to key a warn-once on. */
export function describeFailure(outcome: AttemptOutcome): string {
  if (outcome.kind === 'error') return outcome.error.code ?? outcome.error.message;
  return `HTTP ${outcome.statusCode}`;
}

/** The first bytes of a body as one printable line (bodies may be protobuf or garbage). */
export function bodySnippet(body: Buffer, maxChars = 200): string {
  const text = body.toString('utf8', 0, Math.min(body.length, maxChars * 4));
  // eslint-disable-next-line no-control-regex
  const printable = text.replace(/[\u0000-\u001f\u007f\ufffd]+/g, ' ').trim();
  return printable.length > maxChars ? `${printable.slice(0, maxChars)}…` : printable;
}
