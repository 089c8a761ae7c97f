/**
 * Unary gRPC calls over Node's own http2 (no @grpc/grpc-js at run time): the wire format of
 * https://github.com/grpc/grpc/blob/master/doc/PROTOCOL-HTTP2.md, as much as an OTLP export needs.
 *
 * - One long-lived connection per channel, reused by every call. It is dropped (and the next
 *   call dials again) after GOAWAY, a connection error or close, and after a call timed out
 *   with no answer, since a collector that hangs one stream is no better for the next.
 * - Messages are length-prefixed (1 byte compressed flag, 4 bytes big-endian length); gzip is
 *   announced with grpc-encoding. The answer's status comes from the trailers, or from the
 *   headers of a trailers-only answer; an HTTP error without grpc-status is mapped as the gRPC
 *   spec maps it (http-grpc-status-mapping.md). RetryInfo is read from grpc-status-details-bin.
 * - Nothing holds the process open: the session's socket and every timer are unref'd. An export
 *   still running when the app exits is handed to the synchronous path by the batch processor.
 *
 * This file must not import @opentelemetry/api: the standalone sync sender uses it too.
 */
import * as http2 from 'node:http2';
import { ProtoReader, WIRE_LENGTH_DELIMITED, WIRE_VARINT } from './protobuf-reader';
import { RETRYABLE_ERROR_CODES, DONE, type Verdict } from './retry';
import type { TlsMaterial } from './sync-send';

/** The status codes of gRPC (grpc/doc/statuscodes.md), by name. */
export const GRPC_STATUS = {
  OK: 0,
  CANCELLED: 1,
  UNKNOWN: 2,
  INVALID_ARGUMENT: 3,
  DEADLINE_EXCEEDED: 4,
  NOT_FOUND: 5,
  ALREADY_EXISTS: 6,
  PERMISSION_DENIED: 7,
  RESOURCE_EXHAUSTED: 8,
  FAILED_PRECONDITION: 9,
  ABORTED: 10,
  OUT_OF_RANGE: 11,
  UNIMPLEMENTED: 12,
  INTERNAL: 13,
  UNAVAILABLE: 14,
  DATA_LOSS: 15,
  UNAUTHENTICATED: 16,
} as const;

const STATUS_NAMES: readonly string[] = Object.keys(GRPC_STATUS);

export function statusName(code: number): string {
  return STATUS_NAMES[code] ?? `status ${code}`;
}

/** The OTLP/gRPC spec's retryable codes; RESOURCE_EXHAUSTED only when the server sent RetryInfo. */
const RETRYABLE_STATUS: ReadonlySet<number> = new Set([
  GRPC_STATUS.CANCELLED,
  GRPC_STATUS.DEADLINE_EXCEEDED,
  GRPC_STATUS.ABORTED,
  GRPC_STATUS.OUT_OF_RANGE,
  GRPC_STATUS.UNAVAILABLE,
  GRPC_STATUS.DATA_LOSS,
]);

/** HTTP/2 failures of the connection rather than of the call: a new connection may well succeed. */
const RETRYABLE_HTTP2_ERRORS: ReadonlySet<string> = new Set([
  'ERR_HTTP2_GOAWAY_SESSION',
  'ERR_HTTP2_INVALID_SESSION',
  'ERR_HTTP2_SESSION_ERROR',
  'ERR_HTTP2_STREAM_ERROR',
  'ERR_HTTP2_STREAM_CANCEL',
  'ERR_HTTP2_ERROR',
  'ERR_HTTP2_PING_CANCEL',
]);

/** Answers are a status and, at most, a partial-success message: anything longer is noise. */
const MAX_ANSWER_BYTES = 64 * 1024;

export type CallOutcome =
  | {
      readonly kind: 'status';
      readonly code: number;
      readonly message: string;
      /** The answer's message, decompressed: empty when there was none. */
      readonly response: Buffer;
      /** From a RetryInfo in grpc-status-details-bin. */
      readonly retryDelayMs?: number;
    }
  | { readonly kind: 'error'; readonly error: NodeJS.ErrnoException };

export interface UnaryCall {
  /** e.g. /opentelemetry.proto.collector.trace.v1.TraceService/Export */
  readonly path: string;
  /** Custom metadata: lower-case ASCII keys, as the OTLP headers settings give them. */
  readonly metadata: Readonly<Record<string, string>>;
  readonly userAgent: string;
  /** The serialized request, gzipped already when `compressed`. */
  readonly message: Uint8Array;
  readonly compressed: boolean;
}

/** Tells whether the current attempt's message has been fully written to the connection. */
export interface CallProgress {
  written: boolean;
}

/** grpc-timeout: at most 8 digits and a unit; milliseconds while they fit, seconds beyond. */
export function grpcTimeout(timeoutMs: number): string {
  const ms = Math.max(1, Math.ceil(timeoutMs));
  return ms <= 99_999_999 ? `${ms}m` : `${Math.min(99_999_999, Math.ceil(ms / 1000))}S`;
}

/** The 5-byte prefix of a length-prefixed message. */
export function messagePrefix(length: number, compressed: boolean): Buffer {
  const prefix = Buffer.alloc(5);
  prefix[0] = compressed ? 1 : 0;
  prefix.writeUInt32BE(length, 1);
  return prefix;
}

/** Names and headers a caller's metadata must not replace: they are the protocol itself. */
function isReservedKey(key: string): boolean {
  return key.startsWith(':') || key.startsWith('grpc-') || key === 'content-type' || key === 'te' || key === 'user-agent' || key === 'content-length';
}

/** An HTTP status without grpc-status, mapped as grpc/doc/http-grpc-status-mapping.md does. */
function statusForHttp(httpStatus: number): number {
  switch (httpStatus) {
    case 400:
      return GRPC_STATUS.INTERNAL;
    case 401:
      return GRPC_STATUS.UNAUTHENTICATED;
    case 403:
      return GRPC_STATUS.PERMISSION_DENIED;
    case 404:
      return GRPC_STATUS.UNIMPLEMENTED;
    case 429:
    case 502:
    case 503:
    case 504:
      return GRPC_STATUS.UNAVAILABLE;
    default:
      return GRPC_STATUS.UNKNOWN;
  }
}

function firstValue(value: string | string[] | number | undefined): string | undefined {
  if (value === undefined) return undefined;
  return String(Array.isArray(value) ? value[0] : value);
}

/** grpc-message is percent-encoded UTF-8; a malformed one is shown as sent. */
function decodeGrpcMessage(raw: string | undefined): string {
  if (raw === undefined) return '';
  try {
    return decodeURIComponent(raw);
  } catch {
    return raw;
  }
}

const RETRY_INFO_TYPE = 'type.googleapis.com/google.rpc.RetryInfo';

/**
 * The delay of a google.rpc.RetryInfo inside a google.rpc.Status (grpc-status-details-bin:
 * Status.details = 3, Any.type_url = 1, Any.value = 2, RetryInfo.retry_delay = 1, Duration.seconds
 * = 1, Duration.nanos = 2), or undefined when there is none or it cannot be read.
 */
export function retryDelayFromStatusDetails(base64: string | undefined): number | undefined {
  if (base64 === undefined || base64 === '') return undefined;
  let delayMs: number | undefined;
  try {
    new ProtoReader(Buffer.from(base64, 'base64')).eachField((field, wireType, status) => {
      if (field !== 3 || wireType !== WIRE_LENGTH_DELIMITED) return true;
      delayMs = retryDelayFromAny(status.nested());
      return delayMs === undefined; // the first RetryInfo is the answer
    });
  } catch {
    // A garbled detail is no RetryInfo.
    return undefined;
  }
  return delayMs;
}

/** The delay of a google.protobuf.Any holding a RetryInfo, else undefined. */
function retryDelayFromAny(any: ProtoReader): number | undefined {
  let typeUrl = '';
  let value: ProtoReader | undefined;
  any.eachField((field, wireType, reader) => {
    if (wireType !== WIRE_LENGTH_DELIMITED) return;
    if (field === 1) typeUrl = reader.string();
    else if (field === 2) value = reader.nested();
  });
  if (typeUrl !== RETRY_INFO_TYPE || value === undefined) return undefined;
  let delayMs = 0;
  value.eachField((field, wireType, retryInfo) => {
    if (field !== 1 || wireType !== WIRE_LENGTH_DELIMITED) return;
    let seconds = 0n;
    let nanos = 0n;
    retryInfo.nested().eachField((inner, innerWire, duration) => {
      if (inner === 1 && innerWire === WIRE_VARINT) seconds = BigInt.asIntN(64, duration.varint());
      else if (inner === 2 && innerWire === WIRE_VARINT) nanos = BigInt.asIntN(32, duration.varint());
    });
    delayMs = Math.max(0, Number(seconds) * 1000 + Number(nanos) / 1e6);
  });
  return delayMs;
}

/** The message of a length-prefixed answer, gunzipped when flagged; empty when there is none. */
function answerMessage(data: Buffer, encoding: string | undefined): Buffer {
  if (data.length < 5) return Buffer.alloc(0);
  const length = data.readUInt32BE(1);
  const message = data.subarray(5, 5 + Math.min(length, data.length - 5));
  if (data[0] !== 1) return message;
  if (encoding !== 'gzip') return Buffer.alloc(0);
  try {
    const { gunzipSync } = require('node:zlib') as typeof import('node:zlib');
    return gunzipSync(message, { maxOutputLength: MAX_ANSWER_BYTES });
  } catch {
    return Buffer.alloc(0);
  }
}

function asErrno(err: unknown): NodeJS.ErrnoException {
  return err instanceof Error ? err : new Error(String(err));
}

/**
 * A call queued on a connection that then failed is cancelled with ERR_HTTP2_STREAM_CANCEL; the
 * connection's own error (ECONNREFUSED, a certificate error…) is its cause, and what to report.
 */
function rootCause(error: NodeJS.ErrnoException): NodeJS.ErrnoException {
  const cause = (error as { cause?: unknown }).cause;
  return error.code === 'ERR_HTTP2_STREAM_CANCEL' && cause instanceof Error ? (cause as NodeJS.ErrnoException) : error;
}

function timeoutError(timeoutMs: number): NodeJS.ErrnoException {
  return Object.assign(new Error(`no answer within ${timeoutMs} ms`), { code: 'ETIMEDOUT' });
}

/** One connection to one gRPC server, dialled on first use and again whenever it is lost. */
export class GrpcChannel {
  private session: http2.ClientHttp2Session | undefined;

  constructor(
    private readonly origin: URL,
    private readonly tls: TlsMaterial,
  ) {}

  /** One unary call. Resolves (never rejects) with the status or the error; bounded by timeoutMs. */
  call(call: UnaryCall, timeoutMs: number, progress?: CallProgress): Promise<CallOutcome> {
    return new Promise((resolve) => {
      let settled = false;
      let timer: NodeJS.Timeout | undefined;
      const finish = (outcome: CallOutcome): void => {
        if (settled) return;
        settled = true;
        if (timer !== undefined) clearTimeout(timer);
        resolve(outcome);
      };

      let session: http2.ClientHttp2Session | undefined;
      let stream: http2.ClientHttp2Stream;
      try {
        session = this.currentSession();
        stream = session.request(this.requestHeaders(call, timeoutMs));
      } catch (err) {
        if (session !== undefined) this.retire(session);
        finish({ kind: 'error', error: asErrno(err) });
        return;
      }

      const budgetMs = Math.max(0, timeoutMs);
      timer = setTimeout(() => {
        finish({ kind: 'error', error: timeoutError(budgetMs) });
        stream.close(http2.constants.NGHTTP2_CANCEL);
        this.retire(session!);
      }, budgetMs);
      timer.unref();

      let headers: http2.IncomingHttpHeaders & http2.IncomingHttpStatusHeader = {};
      let trailers: http2.IncomingHttpHeaders = {};
      const chunks: Buffer[] = [];
      let size = 0;
      stream.on('response', (received) => (headers = received));
      stream.on('trailers', (received) => (trailers = received));
      stream.on('data', (chunk: Buffer) => {
        if (size >= MAX_ANSWER_BYTES) return;
        const kept = chunk.subarray(0, MAX_ANSWER_BYTES - size);
        chunks.push(kept);
        size += kept.length;
      });
      stream.on('error', (error: NodeJS.ErrnoException) => finish({ kind: 'error', error: rootCause(error) }));
      stream.on('close', () => finish(this.outcomeOf(headers, trailers, Buffer.concat(chunks, size), stream.rstCode)));
      if (progress !== undefined) stream.on('finish', () => (progress.written = true));
      stream.write(messagePrefix(call.message.byteLength, call.compressed));
      stream.end(call.message);
    });
  }

  /** Closes the connection once its calls are done. */
  close(): void {
    const session = this.session;
    this.session = undefined;
    session?.close();
  }

  private requestHeaders(call: UnaryCall, timeoutMs: number): http2.OutgoingHttpHeaders {
    const headers: http2.OutgoingHttpHeaders = {};
    for (const [key, value] of Object.entries(call.metadata)) {
      if (!isReservedKey(key)) headers[key] = value;
    }
    headers[':method'] = 'POST';
    headers[':path'] = call.path;
    headers['content-type'] = 'application/grpc';
    headers.te = 'trailers';
    headers['user-agent'] = call.userAgent;
    headers['grpc-timeout'] = grpcTimeout(timeoutMs);
    headers['grpc-accept-encoding'] = 'identity,gzip';
    if (call.compressed) headers['grpc-encoding'] = 'gzip';
    return headers;
  }

  private outcomeOf(
    headers: http2.IncomingHttpHeaders & http2.IncomingHttpStatusHeader,
    trailers: http2.IncomingHttpHeaders,
    data: Buffer,
    rstCode: number | undefined,
  ): CallOutcome {
    // Trailers carry the status; a trailers-only answer carries it in its headers.
    const statusText = firstValue(trailers['grpc-status']) ?? firstValue(headers['grpc-status']);
    const httpStatus = Number(headers[':status'] ?? 0);
    if (statusText === undefined) {
      if (httpStatus === 0) {
        // Reset before any answer: REFUSED_STREAM (after GOAWAY) is safe to retry (PROTOCOL-HTTP2.md).
        const code = rstCode === http2.constants.NGHTTP2_REFUSED_STREAM ? GRPC_STATUS.UNAVAILABLE : rstCode === http2.constants.NGHTTP2_CANCEL ? GRPC_STATUS.CANCELLED : GRPC_STATUS.INTERNAL;
        return { kind: 'status', code, message: `stream reset before an answer (HTTP/2 code ${rstCode ?? '?'})`, response: Buffer.alloc(0) };
      }
      const code = httpStatus === 200 ? GRPC_STATUS.UNKNOWN : statusForHttp(httpStatus);
      return { kind: 'status', code, message: `HTTP ${httpStatus} without grpc-status`, response: Buffer.alloc(0) };
    }
    const source = trailers['grpc-status'] !== undefined ? trailers : headers;
    const code = Number(statusText);
    return {
      kind: 'status',
      code: Number.isInteger(code) && code >= 0 ? code : GRPC_STATUS.UNKNOWN,
      message: decodeGrpcMessage(firstValue(source['grpc-message'])),
      response: code === GRPC_STATUS.OK ? answerMessage(data, firstValue(headers['grpc-encoding'])) : Buffer.alloc(0),
      retryDelayMs: retryDelayFromStatusDetails(firstValue(source['grpc-status-details-bin'])),
    };
  }

  private currentSession(): http2.ClientHttp2Session {
    const current = this.session;
    if (current !== undefined && !current.closed && !current.destroyed) return current;
    const options: http2.SecureClientSessionOptions = this.origin.protocol === 'https:' ? { ...this.tls } : {};
    const session = http2.connect(this.origin, options);
    // Errors reach the calls on it; the session only has to be forgotten.
    session.on('error', () => this.retire(session));
    session.on('goaway', () => this.retire(session));
    session.on('close', () => this.forget(session));
    session.unref();
    this.session = session;
    return session;
  }

  /** No new calls on this session; those under way finish on it. */
  private retire(session: http2.ClientHttp2Session): void {
    this.forget(session);
    if (!session.closed && !session.destroyed) session.close();
  }

  private forget(session: http2.ClientHttp2Session): void {
    if (this.session === session) this.session = undefined;
  }
}

/** The retry verdict of the OTLP/gRPC spec for one call's outcome. */
export function judgeCall(outcome: CallOutcome): Verdict {
  if (outcome.kind === 'error') {
    const code = outcome.error.code;
    const transient = code !== undefined && (RETRYABLE_ERROR_CODES.has(code) || RETRYABLE_HTTP2_ERRORS.has(code));
    return transient ? { kind: 'retry', unreachable: true } : DONE;
  }
  const { code, retryDelayMs } = outcome;
  const retryable = RETRYABLE_STATUS.has(code) || (code === GRPC_STATUS.RESOURCE_EXHAUSTED && retryDelayMs !== undefined);
  if (!retryable) return DONE;
  return retryDelayMs === undefined ? { kind: 'retry', unreachable: false } : { kind: 'retry', unreachable: false, serverDelayMs: retryDelayMs };
}

/** A short, printable description of a failed call, stable enough to key a warn-once on. */
export function describeCallFailure(outcome: CallOutcome): string {
  if (outcome.kind === 'error') return outcome.error.code ?? outcome.error.message;
  return statusName(outcome.code);
}
