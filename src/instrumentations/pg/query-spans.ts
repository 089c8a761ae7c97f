/**
 * CLIENT spans for pg: one per query, whatever its form, ending when its result or error is
 * delivered; and spans for `client.connect()` (CLIENT) and `pool.connect()` (INTERNAL, the wait
 * for a pooled connection).
 *
 *   GET /users/:id (SERVER)
 *   ├─ pg-pool.connect (INTERNAL)
 *   └─ SELECT users (CLIENT)   db.system.name=postgresql db.namespace=test db.query.summary="SELECT users"
 *
 * Every callback, promise continuation and stream event runs in the caller's context, not the
 * pool's or the connection's: a pooled connection released by another request would otherwise
 * run this request's callback (and its next query) in that request's trace.
 */
import { context, SpanKind, trace, type Attributes, type Context, type Span, type Tracer } from '@opentelemetry/api';
import { errorTypeForError, recordError } from '../../kit/errors';
import { ATTR_ERROR_TYPE } from '../../kit/semconv';
import type { Histogram } from '../../metrics/histogram';
import { durationSeconds } from '../../metrics/duration';
import { log } from '../../log';
import { analyseSqlCached, MAX_ANALYSED_LENGTH } from './sql';
import { MAX_CAPTURED_PARAMETERS, truncateValue } from '../../kit/limits';
import { isSqlState, recordableError } from './error-message';
import * as semconv from './semconv';

export type QueryTextMode = 'sanitized' | 'raw' | 'off';

export interface PgSettings {
  /** OTEL_INSTRUMENTATION_PG_QUERY_TEXT */
  readonly queryText: QueryTextMode;
  /** OTEL_INSTRUMENTATION_PG_CAPTURE_PARAMETERS */
  readonly captureParameters: boolean;
  /** Longest db.query.text (and db.query.parameter.<i>) kept (kit/limits.ts). */
  readonly queryTextLengthCap: number;
}

type AnyFunction = (this: unknown, ...args: unknown[]) => unknown;

/** What pg's Client knows of its connection (never the password). */
interface ClientLike {
  host?: unknown;
  port?: unknown;
  database?: unknown;
  connectionParameters?: { host?: unknown; port?: unknown; database?: unknown };
}

function connectionAttributes(client: ClientLike | undefined): Attributes {
  const params = client?.connectionParameters ?? client;
  const attributes: Attributes = { [semconv.ATTR_DB_SYSTEM_NAME]: semconv.DB_SYSTEM_POSTGRESQL };
  const database = params?.database ?? client?.database;
  if (typeof database === 'string' && database !== '') attributes[semconv.ATTR_DB_NAMESPACE] = database;
  const host = params?.host ?? client?.host;
  if (typeof host === 'string' && host !== '') attributes[semconv.ATTR_SERVER_ADDRESS] = host;
  const port = Number(params?.port ?? client?.port);
  if (Number.isInteger(port) && port > 0) attributes[semconv.ATTR_SERVER_PORT] = port;
  return attributes;
}

function endWithError(run: QueryRun, error: unknown): void {
  const span = run.span;
  try {
    const code = (error as { code?: unknown } | null)?.code;
    if (isSqlState(code)) span.setAttribute(semconv.ATTR_DB_RESPONSE_STATUS_CODE, code);
    // error.type: the SQLSTATE (`42601`) or the network code (`ECONNREFUSED`), both pg's `code`.
    // The message only without the values PostgreSQL quotes in it (./error-message.ts).
    const recordable = recordableError(error, run.text, run.attributes[semconv.ATTR_DB_NAMESPACE]);
    recordError(span, recordable, { errorType: errorTypeForError(error) });
  } catch (err) {
    log.errorOnce('OTELI_E_PG_RECORD', 'pg: recording a failed query failed', err);
  }
  span.end();
}

/** db.client.operation.duration, when metrics are on: set by the patch (one agent per process). */
let queryDuration: Histogram | undefined;

/** One query (or connect) under way: its span, and what a query's duration metric needs (the span is write-only). */
interface QueryRun {
  readonly span: Span;
  readonly startedAt: number;
  readonly attributes: Attributes;
  /** A query is an operation the metric counts; a connect is not. */
  readonly measured: boolean;
  /** The query's text as sent, which says what its error message may name; undefined for a connect. */
  readonly text?: string | undefined;
}

/** The span's attributes the metric keeps: the low-cardinality ones (semconv), never the text. */
const METRIC_ATTRIBUTES = [
  semconv.ATTR_DB_SYSTEM_NAME,
  semconv.ATTR_DB_NAMESPACE,
  semconv.ATTR_DB_OPERATION_NAME,
  semconv.ATTR_DB_COLLECTION_NAME,
  semconv.ATTR_SERVER_ADDRESS,
  semconv.ATTR_SERVER_PORT,
];

/** Ends the query's span (failed when `error` is set) and measures it. */
function endQuery(run: QueryRun, error?: unknown): void {
  if (error) endWithError(run, error);
  else run.span.end();
  const histogram = queryDuration;
  if (histogram === undefined || !run.measured) return;
  try {
    const attributes: Attributes = {};
    for (const key of METRIC_ATTRIBUTES) if (run.attributes[key] !== undefined) attributes[key] = run.attributes[key];
    if (error) {
      const code = (error as { code?: unknown } | null)?.code;
      if (isSqlState(code)) attributes[semconv.ATTR_DB_RESPONSE_STATUS_CODE] = code;
      attributes[ATTR_ERROR_TYPE] = errorTypeForError(error);
    }
    histogram.record(durationSeconds(run.span, run.startedAt), attributes);
  } catch (err) {
    log.errorOnce('OTELI_E_PG_METRIC', 'pg: recording the duration of a query failed', err);
  }
}

interface QueryShape {
  text: string | undefined;
  values: unknown[] | undefined;
  /** Index of the callback argument, or -1. */
  callbackAt: number;
  submittable: { submit: unknown } | undefined;
}

/** The query's text, values and callback, from any of client.query's argument forms. */
function shapeOf(args: ArrayLike<unknown>): QueryShape {
  const [config, values, callback] = [args[0], args[1], args[2]];
  const isObject = typeof config === 'object' && config !== null;
  const fromConfig = isObject ? (config as { text?: unknown; values?: unknown; cursor?: { text?: unknown; values?: unknown } }) : undefined;
  // pg-query-stream keeps its text on the pg-cursor it wraps.
  const configText = fromConfig?.text ?? fromConfig?.cursor?.text;
  const text = typeof config === 'string' ? config : typeof configText === 'string' ? configText : undefined;
  const configValues = fromConfig?.values ?? fromConfig?.cursor?.values;
  const valueList = Array.isArray(values) ? values : Array.isArray(configValues) ? (configValues as unknown[]) : undefined;
  const callbackAt = typeof values === 'function' ? 1 : typeof callback === 'function' ? 2 : -1;
  const submittable = isObject && typeof (config as { submit?: unknown }).submit === 'function' ? (config as { submit: unknown }) : undefined;
  return { text, values: valueList, callbackAt, submittable };
}

function queryAttributes(client: ClientLike, shape: QueryShape, settings: PgSettings): { name: string; attributes: Attributes } {
  const attributes = connectionAttributes(client);
  let name: string = semconv.DB_SYSTEM_POSTGRESQL;
  const cap = settings.queryTextLengthCap;
  if (shape.text !== undefined) {
    // Reads at least as much as it may record, so a user's larger length limit gets its text.
    const sql = analyseSqlCached(shape.text, cap > MAX_ANALYSED_LENGTH ? cap : MAX_ANALYSED_LENGTH);
    if (sql.operation !== undefined) attributes[semconv.ATTR_DB_OPERATION_NAME] = sql.operation;
    if (sql.collection !== undefined) attributes[semconv.ATTR_DB_COLLECTION_NAME] = sql.collection;
    if (sql.summary !== undefined) attributes[semconv.ATTR_DB_QUERY_SUMMARY] = sql.summary;
    if (sql.batchSize !== undefined) attributes[semconv.ATTR_DB_OPERATION_BATCH_SIZE] = sql.batchSize;
    if (settings.queryText !== 'off') attributes[semconv.ATTR_DB_QUERY_TEXT] = truncateValue(settings.queryText === 'raw' ? shape.text : sql.sanitized, cap);
    // The span name: the summary, else the operation, else the system.
    name = sql.summary ?? sql.operation ?? name;
  }
  if (settings.captureParameters && shape.values !== undefined) {
    // A bulk insert can bind thousands: past the cap they would fill the span's attribute count
    // limit before db.response.status_code and error.type are set.
    const count = shape.values.length < MAX_CAPTURED_PARAMETERS ? shape.values.length : MAX_CAPTURED_PARAMETERS;
    for (let i = 0; i < count; i++) {
      const value = shape.values[i];
      const text = value === null || value === undefined ? String(value) : typeof value === 'object' ? JSON.stringify(value) ?? String(value) : String(value);
      attributes[`${semconv.ATTR_DB_QUERY_PARAMETER_PREFIX}${i}`] = truncateValue(text, cap);
    }
  }
  return { name, attributes };
}

/** Replaces a submittable's completion methods so the span ends with it (any Submittable has them). */
function endWithSubmittable(submittable: Record<string, unknown>, run: QueryRun, caller: Context): void {
  let ended = false;
  const once = (error?: unknown): void => {
    if (ended) return;
    ended = true;
    endQuery(run, error);
  };
  for (const [method, failing] of [['handleReadyForQuery', false], ['handleError', true]] as const) {
    const original = submittable[method];
    if (typeof original !== 'function') continue;
    // Own and not enumerable: the object's keys stay what they were.
    Object.defineProperty(submittable, method, {
      configurable: true,
      writable: true,
      enumerable: Object.prototype.propertyIsEnumerable.call(submittable, method),
      value: function (this: unknown, ...args: unknown[]): unknown {
        try {
          once(failing ? args[0] : undefined);
        } catch {
          // recording is best effort
        }
        return (original as AnyFunction).apply(this, args);
      },
    });
  }
  // A stream's events (pg-query-stream, pg-cursor) come from the connection's socket callbacks.
  if (typeof (submittable as { on?: unknown }).on === 'function') context.bind(caller, submittable);
}

/** `callback` as one that ends the span first (with the error it gets), then runs in the caller's context. */
function endingCallback(callback: AnyFunction, run: QueryRun, caller: Context): AnyFunction {
  return function (this: unknown, error: unknown): unknown {
    endQuery(run, error);
    // eslint-disable-next-line prefer-rest-params
    return context.with(caller, callback, this, ...(arguments as unknown as unknown[]));
  };
}

/** Runs the original in the span's context; a throw ends the span, a promise ends it when it settles. */
function callEnding(run: QueryRun, inSpan: Context, original: AnyFunction, self: unknown, args: unknown[], settles: boolean): unknown {
  let result: unknown;
  try {
    result = context.with(inSpan, original, self, ...args);
  } catch (error) {
    endQuery(run, error);
    throw error;
  }
  if (settles && result !== null && typeof (result as Promise<unknown>)?.then === 'function') {
    (result as Promise<unknown>).then(
      () => endQuery(run),
      (error) => endQuery(run, error),
    );
  }
  return result;
}

/** The wrapper of Client.prototype.query. */
export function makeQueryWrapper(tracer: Tracer, settings: PgSettings, duration: Histogram | undefined) {
  queryDuration = duration;
  return (original: AnyFunction): AnyFunction =>
    function query(this: any): unknown {
      // eslint-disable-next-line prefer-rest-params
      const args = Array.prototype.slice.call(arguments) as unknown[];
      if (args[0] === null || args[0] === undefined) return original.apply(this, args); // pg throws its own TypeError
      const shape = shapeOf(args);
      const { name, attributes } = queryAttributes(this, shape, settings);
      const caller = context.active();
      const span = tracer.startSpan(name, { kind: SpanKind.CLIENT, attributes }, caller);
      const run: QueryRun = { span, startedAt: performance.now(), attributes, measured: true, text: shape.text };
      const inSpan = trace.setSpan(caller, span);
      if (shape.submittable !== undefined) endWithSubmittable(shape.submittable as Record<string, unknown>, run, caller);
      if (shape.callbackAt !== -1) args[shape.callbackAt] = endingCallback(args[shape.callbackAt] as AnyFunction, run, caller);
      // A submittable or a callback ends the span itself; otherwise pg returned a promise.
      return callEnding(run, inSpan, original, this, args, shape.submittable === undefined && shape.callbackAt === -1);
    };
}

/** The wrapper of `connect` (Client's, kind CLIENT; Pool's, kind INTERNAL: the wait for a connection). */
export function makeConnectWrapper(tracer: Tracer, spanName: string, kind: SpanKind, connectionOf: (self: any) => ClientLike | undefined) {
  return (original: AnyFunction): AnyFunction =>
    function connect(this: unknown, callback?: unknown): unknown {
      const caller = context.active();
      const attributes = connectionAttributes(connectionOf(this));
      const span = tracer.startSpan(spanName, { kind, attributes }, caller);
      const run: QueryRun = { span, startedAt: performance.now(), attributes, measured: false };
      const inSpan = trace.setSpan(caller, span);
      if (typeof callback === 'function') return context.with(inSpan, original, this, endingCallback(callback as AnyFunction, run, caller));
      const result = callEnding(run, inSpan, original, this, Array.prototype.slice.call(arguments), true);
      // No callback and no promise (a pg-pool that answers otherwise): nothing to wait for.
      if (result === null || typeof (result as Promise<unknown>)?.then !== 'function') span.end();
      return result;
    };
}
