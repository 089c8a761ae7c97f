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
  const attributes: Attributes = { 'db.system.name': semconv.DB_SYSTEM_POSTGRESQL } // literal key: see http/server.ts recordServerDuration;
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

/** Sets an own property of an app object without changing its keys: enumerable only if it was. */
function defineOwn(target: object, name: string, value: unknown): void {
  Object.defineProperty(target, name, {
    configurable: true,
    writable: true,
    enumerable: Object.prototype.propertyIsEnumerable.call(target, name),
    value,
  });
}

/**
 * A submittable (pg.Query, pg-cursor, pg-query-stream, any object with `submit`) ends its span
 * when pg hands it the end of its query (`handleReadyForQuery`) or an error (`handleError`); both
 * run in the caller's context, and so do the callback pg calls from them and every event the
 * submittable emits (they come from the connection's socket callbacks). Own, non-enumerable
 * properties: its keys, listeners (`q.listeners('row')` are the app's functions) and `callback`
 * stay what they were, which context.bind(emitter) would not leave.
 */
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
    defineOwn(submittable, method, function (this: unknown): unknown {
      try {
        // eslint-disable-next-line prefer-rest-params
        once(failing ? arguments[0] : undefined);
      } catch {
        // recording is best effort
      }
      // eslint-disable-next-line prefer-rest-params
      return context.with(caller, Reflect.apply, undefined, original as AnyFunction, this, arguments);
    });
  }
  const emit = submittable.emit;
  if (typeof emit === 'function') {
    defineOwn(submittable, 'emit', function (this: unknown): unknown {
      // eslint-disable-next-line prefer-rest-params
      return context.with(caller, Reflect.apply, undefined, emit as AnyFunction, this, arguments);
    });
  }
}

/** `callback` as one that ends the span first (with the error it gets), then runs in the caller's context. */
function endingCallback(callback: AnyFunction, run: QueryRun, caller: Context): AnyFunction {
  return function (this: unknown, error: unknown): unknown {
    endQuery(run, error);
    // eslint-disable-next-line prefer-rest-params
    return context.with(caller, callback, this, ...(arguments as unknown as unknown[]));
  };
}

/**
 * The promise the app gets: pg's, followed to end the span. The follower is what the app gets,
 * not a handler on the side: a second handler on pg's promise would count as the app handling
 * it, so a rejection nobody handles would no longer crash the process (Node's default) as it
 * does without us, and V8 stops an error's async stack at a promise with two handlers, so the
 * app's `await` frames would go missing from it. The same class (`.then` keeps it), the same
 * value or error object.
 */
function followed(run: QueryRun, promise: Promise<unknown>): Promise<unknown> {
  return promise.then(
    (value) => {
      endQuery(run);
      return value;
    },
    (error) => {
      endQuery(run, error);
      throw error;
    },
  );
}

const isThenable = (value: unknown): value is Promise<unknown> =>
  value !== null && (typeof value === 'object' || typeof value === 'function') && typeof (value as { then?: unknown }).then === 'function';

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
      // pg's own code runs in the caller's context, not the span's: nothing it runs synchronously
      // is traced, and the frames of a context switch would push the app's own frames off the end
      // of an error pg throws (Error.stackTraceLimit).
      let result: unknown;
      try {
        if (shape.submittable !== undefined) {
          // The submittable ends the span; pg stores a callback given here as its `callback`.
          endWithSubmittable(shape.submittable as Record<string, unknown>, run, caller);
          return original.apply(this, args);
        }
        const config = args[0];
        if (shape.callbackAt !== -1) {
          const callback = args[shape.callbackAt] as AnyFunction;
          const wrapped = endingCallback(callback, run, caller);
          args[shape.callbackAt] = wrapped;
          try {
            return original.apply(this, args);
          } finally {
            // pg 8.0.3 (and those after it, until it copied the config) writes the callback into
            // the app's config object: the app's there, not ours.
            if (typeof config === 'object' && (config as { callback?: unknown }).callback === wrapped) (config as { callback?: unknown }).callback = callback;
          }
        }
        const stored = typeof config === 'object' ? (config as { callback?: unknown }).callback : undefined;
        if (typeof stored === 'function') {
          // A config object with its own `callback` (pg's form, or one pg wrote there earlier):
          // ours in its place while pg reads it, the app's again after.
          const wrapped = endingCallback(stored as AnyFunction, run, caller);
          if (Reflect.set(config as object, 'callback', wrapped)) {
            try {
              return original.apply(this, args);
            } finally {
              if ((config as { callback?: unknown }).callback === wrapped) (config as { callback?: unknown }).callback = stored;
            }
          }
        }
        result = original.apply(this, args);
      } catch (error) {
        endQuery(run, error);
        throw error;
      }
      if (isThenable(result)) return followed(run, result);
      // No callback, no promise: a pg we do not know; nothing will tell us the end.
      span.end();
      return result;
    };
}

/**
 * The wrapper of `connect` (Client's, kind CLIENT; Pool's, kind INTERNAL: the wait for a
 * connection). Only the pool's runs in its span's context, so that the client it connects gets
 * its pg.connect span as a child; the client's own runs in the caller's, as query does (nothing
 * in it is traced, and the frames of a context switch would push the app's own frames off the
 * end of the error pg makes for a second connect()).
 */
export function makeConnectWrapper(tracer: Tracer, spanName: string, kind: SpanKind, connectionOf: (self: any) => ClientLike | undefined, nests: boolean) {
  return (original: AnyFunction): AnyFunction =>
    function connect(this: unknown, callback?: unknown): unknown {
      const caller = context.active();
      const attributes = connectionAttributes(connectionOf(this));
      const span = tracer.startSpan(spanName, { kind, attributes }, caller);
      const run: QueryRun = { span, startedAt: performance.now(), attributes, measured: false };
      const inSpan = nests ? trace.setSpan(caller, span) : undefined;
      if (typeof callback === 'function') {
        const ending = endingCallback(callback as AnyFunction, run, caller);
        return inSpan === undefined ? original.call(this, ending) : context.with(inSpan, original, this, ending);
      }
      let result: unknown;
      try {
        // eslint-disable-next-line prefer-rest-params
        result = inSpan === undefined ? original.apply(this, arguments as unknown as unknown[]) : context.with(inSpan, Reflect.apply, undefined, original, this, arguments);
      } catch (error) {
        endQuery(run, error);
        throw error;
      }
      if (isThenable(result)) return followed(run, result);
      // No callback and no promise (a pg-pool that answers otherwise): nothing to wait for.
      span.end();
      return result;
    };
}
