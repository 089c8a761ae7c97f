/**
 * One OTLP/HTTP POST, and the retry loop around it.
 *
 * Retry rules follow the OTLP/HTTP spec: only 429, 502, 503 and 504 (and transient network
 * failures) are retried; a Retry-After header (delay-seconds or HTTP-date) replaces our own
 * backoff. The loop itself (backoff, jitter, deadline) is ./retry.ts.
 *
 * Nothing here holds the process open: sockets and timers are unref'd. An export still running
 * when the app exits is handed to the synchronous path by the batch processor instead.
 * This file must not import @opentelemetry/api: the standalone sync sender uses it too.
 */
// node:http is required at the first request: the preload loads this file at start-up.
import type * as http from 'node:http';
import {
  DEFAULT_RETRY_POLICY,
  DONE,
  RETRYABLE_ERROR_CODES,
  withRetries,
  type RetryPolicy,
  type RetryResult,
  type RetryStopper,
  type Verdict,
} from './retry';
import type { Http1Pool } from './http1-connection';

/** Collectors answer with a short status; anything longer is noise we refuse to buffer. */
export const MAX_RESPONSE_BODY_BYTES = 64 * 1024;

export interface PostTarget {
  readonly url: URL;
  /** node:http(s)'s (keep-alive) agent, for a target without `pool`. */
  readonly agent?: http.Agent;
  readonly headers: Readonly<Record<string, string>>;
  /**
   * For an `http:` URL whose headers can be written as they are: the kept-alive sockets that
   * POST without node:http (./http1-connection.ts).
   */
  readonly pool?: Http1Pool;
}

export type AttemptOutcome =
  | {
      readonly kind: 'response';
      readonly statusCode: number;
      readonly headers: http.IncomingHttpHeaders;
      /** At most MAX_RESPONSE_BODY_BYTES. */
      readonly body: Buffer;
    }
  | {
      readonly kind: 'error';
      readonly error: NodeJS.ErrnoException;
      /**
       * The request went out on a kept-alive socket the collector had closed meanwhile (the
       * keep-alive race: Node's docs say to retry it). Nothing was lost but the socket.
       */
      readonly staleSocket?: boolean;
    };

export type PostResult = RetryResult<AttemptOutcome>;

const RETRYABLE_STATUS = new Set([429, 502, 503, 504]);

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

type Finish = (outcome: AttemptOutcome) => void;

/**
 * One attempt, settled once: by what `start` reports through `finish`, or with ETIMEDOUT after
 * timeoutMs, when the request is aborted with that error. `start` begins the request and returns
 * how to abort it, or undefined when it finished at once (a request that could not be made).
 */
function attemptWithin(timeoutMs: number, start: (finish: Finish, isSettled: () => boolean) => ((error: Error) => void) | undefined): Promise<AttemptOutcome> {
  return new Promise((resolve) => {
    let settled = false;
    let timer: NodeJS.Timeout | undefined;
    const finish: Finish = (outcome) => {
      if (settled) return;
      settled = true;
      if (timer !== undefined) clearTimeout(timer);
      resolve(outcome);
    };
    const abort = start(finish, () => settled);
    if (abort === undefined || settled) return;
    const budgetMs = Math.max(0, timeoutMs);
    timer = setTimeout(() => {
      const error = timeoutError(budgetMs);
      finish({ kind: 'error', error });
      abort(error);
    }, budgetMs);
    timer.unref();
  });
}

export function sendOnce(
  target: PostTarget,
  body: Uint8Array,
  timeoutMs: number,
  progress?: SendProgress,
): Promise<AttemptOutcome> {
  const pool = target.pool;
  if (pool !== undefined) return attemptWithin(timeoutMs, (finish) => sendOnPool(pool, body, finish, progress));
  return attemptWithin(timeoutMs, (finish, isSettled) => {
    let req: http.ClientRequest;
    try {
      // node:https is loaded only for an https endpoint (~5 ms of start-up otherwise).
      const request =
        target.url.protocol === 'https:'
          ? (require('node:https') as typeof import('node:https')).request
          : (require('node:http') as typeof import('node:http')).request;
      req = request(target.url, {
        method: 'POST',
        agent: target.agent,
        headers: { ...target.headers, 'content-length': String(body.byteLength) },
      });
    } catch (err) {
      finish({ kind: 'error', error: asErrno(err) });
      return undefined;
    }

    // A keep-alive agent re-refs a socket when it reuses it, so unref on every assignment.
    req.on('socket', (socket) => socket.unref());
    req.on('error', (error: NodeJS.ErrnoException) =>
      finish({ kind: 'error', error, staleSocket: req.reusedSocket && (error.code === 'ECONNRESET' || error.code === 'EPIPE') }),
    );
    if (progress !== undefined) req.on('finish', () => (progress.written = true));
    req.on('response', (res) => {
      const chunks: Buffer[] = [];
      let size = 0;
      const done = (): void =>
        finish({ kind: 'response', statusCode: res.statusCode ?? 0, headers: res.headers, body: Buffer.concat(chunks, size) });
      res.on('data', (chunk: Buffer) => {
        if (isSettled()) return;
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
    return (error) => req.destroy(error);
  });
}

/** The request on a pool's socket (./http1-connection.ts): the same outcomes as node:http's. */
function sendOnPool(pool: Http1Pool, body: Uint8Array, finish: Finish, progress?: SendProgress): (error: Error) => void {
  const request = pool.post(body, MAX_RESPONSE_BODY_BYTES, {
    onResponse: ({ statusCode, headers, body: answer }) => finish({ kind: 'response', statusCode, headers, body: answer }),
    onError: (error, stale) => finish({ kind: 'error', error, staleSocket: stale }),
    onWritten: () => {
      if (progress !== undefined) progress.written = true;
    },
  });
  return () => request.abort();
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
  return withRetries((remainingMs) => sendOnce(target, body, remainingMs, progress), judgeAttempt, {
    timeoutMs,
    policy,
    random,
    stopper,
    // Refused or failed: it is no longer on its way to the collector.
    onRetry: () => {
      if (progress !== undefined) progress.written = false;
    },
  });
}

function judgeAttempt(outcome: AttemptOutcome): Verdict {
  if (isSuccess(outcome) || !isRetryable(outcome)) return DONE;
  // At once, and even on the way out: the collector is there, only the idle socket was gone.
  if (outcome.kind === 'error' && outcome.staleSocket === true) return { kind: 'retry', unreachable: false, serverDelayMs: 0 };
  if (outcome.kind === 'error') return { kind: 'retry', unreachable: true };
  const serverDelayMs = parseRetryAfterMs(outcome.headers['retry-after'], Date.now());
  return serverDelayMs === undefined ? { kind: 'retry', unreachable: false } : { kind: 'retry', unreachable: false, serverDelayMs };
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
