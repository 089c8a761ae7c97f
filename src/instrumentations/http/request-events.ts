/**
 * Makes the events of a traced request and its response ('data', 'end', 'close' on req; 'finish',
 * 'close', 'drain' on res) run in the SERVER span's context, and tells the server instrumentation
 * when the response finished or closed. Node emits these events from the connection's socket
 * callbacks, whose context is the connection's (the accepting server's, normally none), not the
 * request's. Without this, a body read with req.on('data') / req.on('end'), as body parsers do,
 * would start the calls made after it as new traces (ignoring a sampled-off parent), and a log
 * line written on res 'finish' would carry no trace id.
 *
 * One `emit` on IncomingMessage.prototype and one on ServerResponse.prototype, installed once,
 * find the request's record (../http-shared/web-record.ts) through `this`. A request costs no
 * closure, no own property on req or res and no listener: an emit of an event nothing listens
 * to, or of an object that is not a traced request (a client's response), is one check more
 * than Node's. (An own `emit` per request, with a closure, cost about 2 µs a request.)
 *
 * When `emit` is inherited (it is, from EventEmitter), the wrapper calls whatever the prototype
 * chain holds at the time of the call, not the function it found at install: `domain`, when
 * loaded, replaces EventEmitter.prototype.emit.
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Context } from '@opentelemetry/api';
import { activeContext, withContext } from '../../kit/active-context';
import type { InstrumentationContext } from '../../kit/definition';
import { requestRecordOf, type WebRecord } from '../http-shared/web-record';
import { isWrapped } from '../../hooks/wrap';
import { rearmKeepAliveTimer } from './keep-alive-timer';

type Emit = (this: EmitterLike, event: string | symbol, ...args: unknown[]) => boolean;
interface EmitterLike {
  _events?: Record<string | symbol, unknown>;
}

/** What the server instrumentation keeps per request, beyond what frameworks see. */
export interface ServerRecord extends WebRecord {
  /** The SERVER span's context: the handler and the request's events run in it. */
  context: Context;
  /** Whether the end of the response is recorded: the span records, or the duration is measured. */
  readonly isTracked: boolean;
}

export type ResponseEnded = (res: ServerResponse, record: ServerRecord, event: 'finish' | 'close') => void;

function serverRecordOf(req: unknown): ServerRecord | undefined {
  return requestRecordOf(req) as ServerRecord | undefined;
}

/** The emit to call: the prototype chain's current one when ours sits over an inherited one. */
function emitOf(original: Emit, inheritedFrom: { emit: Emit } | undefined): Emit {
  return inheritedFrom === undefined ? original : inheritedFrom.emit;
}

function nobodyListens(emitter: EmitterLike, event: string | symbol): boolean {
  const events = emitter._events;
  return events !== undefined && events[event] === undefined;
}

/**
 * Whether an event of this request must be entered into its context: not when we stood down,
 * and not when it is emitted from the app's own code in the request's context ('finish' from
 * res.end() in the handler), where entering again would copy the context frame for nothing.
 */
function needsContext(record: ServerRecord, isStoodDown: () => boolean): boolean {
  return activeContext() !== record.context && !isStoodDown();
}

// The wrappers call `emitNow.apply(this, arguments)` themselves rather than hand `arguments` to
// a helper, which would make V8 build the arguments object for every event.

function makeRequestEmit(isStoodDown: () => boolean, inheritedFrom: { emit: Emit } | undefined) {
  return (original: Emit): Emit =>
    function emit(this: EmitterLike, event: string | symbol): boolean {
      const emitNow = emitOf(original, inheritedFrom);
      if (!nobodyListens(this, event)) {
        const record = serverRecordOf(this);
        if (record !== undefined && needsContext(record, isStoodDown)) return withContext(record.context, emitNow, this, arguments);
      }
      return emitNow.apply(this, arguments as unknown as [string]);
    };
}

function makeResponseEmit(isStoodDown: () => boolean, inheritedFrom: { emit: Emit } | undefined, ended: ResponseEnded) {
  return (original: Emit): Emit =>
    function emit(this: EmitterLike, event: string | symbol): boolean {
      const emitNow = emitOf(original, inheritedFrom);
      const isEnd = event === 'finish' || event === 'close';
      const isHeard = !nobodyListens(this, event);
      if (isEnd || isHeard) {
        const record = serverRecordOf((this as ServerResponse).req);
        if (record !== undefined) {
          // The span ends before the listeners run, as when it ended in a listener of ours added
          // before the app's: fastify's onResponse hooks and the app's 'finish' listeners come
          // after the response, outside its span. ended() contains its own errors.
          if (isEnd && !record.isEnded && (record.isTracked || record.endings !== undefined)) ended(this as ServerResponse, record, event);
          // Node's 'finish' listener arms the connection's keep-alive timer (./keep-alive-timer.ts).
          const socket = event === 'finish' && !isStoodDown() ? (this as ServerResponse).socket : null;
          const timeoutBefore = socket?.timeout;
          const heard =
            isHeard && needsContext(record, isStoodDown)
              ? withContext(record.context, emitNow, this, arguments)
              : emitNow.apply(this, arguments as unknown as [string]);
          if (socket != null) rearmKeepAliveTimer(socket, timeoutBefore);
          return heard;
        }
      }
      return emitNow.apply(this, arguments as unknown as [string]);
    };
}

/** The prototype `emit` is found on when it is not its own, to call through at each emit. */
function inheritedHolder(proto: object): { emit: Emit } | undefined {
  return Object.prototype.hasOwnProperty.call(proto, 'emit') ? undefined : (Object.getPrototypeOf(proto) as { emit: Emit });
}

/** Installs both emits (once per process: a second call finds them wrapped). */
export function installRequestEvents(
  http: { IncomingMessage?: { prototype: object }; ServerResponse?: { prototype: object } },
  ctx: InstrumentationContext<unknown>,
  ended: ResponseEnded,
): boolean {
  const requestProto = http.IncomingMessage?.prototype as { emit: Emit } | undefined;
  const responseProto = http.ServerResponse?.prototype as { emit: Emit } | undefined;
  if (requestProto === undefined || responseProto === undefined) return false;
  if (isWrapped(requestProto.emit) && isWrapped(responseProto.emit)) return true; // by the other module's patch
  const onRequest = ctx.wrapHot(requestProto, 'emit', makeRequestEmit(ctx.isStoodDown, inheritedHolder(requestProto)));
  const onResponse = ctx.wrapHot(responseProto, 'emit', makeResponseEmit(ctx.isStoodDown, inheritedHolder(responseProto), ended));
  return onRequest && onResponse;
}
