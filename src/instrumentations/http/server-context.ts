/**
 * The context a SERVER span's request runs in: its parent's values, plus the span (the api's
 * span key) and the web record (RPCMetadata, ../http-shared/web-record.ts). One object for the
 * two, which lets go of both once the response has ended (release()): from then on the span key
 * answers a non-recording span with the same ids, and the record is gone.
 *
 * Why: a context outlives its request wherever a timer or a resource created in it keeps it, and
 * Node creates one of those for every kept-alive connection: its own 'finish' listener sets the
 * connection's keep-alive timer in the request's context, and the timer keeps it until the
 * connection's next request (or its keepAliveTimeout). A context holding the span and the record
 * kept every idle connection's last request alive (span, attributes, framework state): under load
 * 12 to 40 KB alive through each young-generation collection (plain, express), which made V8 grow
 * its young generation 4-fold, and a few KB per idle connection for up to keepAliveTimeout.
 * Released in place, so no event has to run in another context for it.
 *
 * Nothing that reads the context sees a difference that matters: the span has ended by then
 * (so it no longer records either way), its ids, and so the parent of anything started later,
 * are the same, and frameworks stop looking at the record when the response ends.
 */
import { trace, type Context, type Span, type SpanContext } from '@opentelemetry/api';
import { LinkedContext, SPAN_KEY } from '../../sdk/linked-context';
import { RPC_METADATA_KEY, type WebRecord } from '../http-shared/web-record';

export class ServerContext implements Context {
  private _span: Span | undefined;
  private _record: WebRecord | undefined;
  private readonly _spanContext: SpanContext;
  /** What the span key answers after release(), made at the first ask. */
  private _endedSpan: Span | undefined = undefined;

  constructor(
    private readonly _parent: Context,
    span: Span,
    record: WebRecord,
  ) {
    this._span = span;
    this._record = record;
    this._spanContext = span.spanContext();
  }

  getValue(key: symbol): unknown {
    if (key === SPAN_KEY) return this._span ?? (this._endedSpan ??= trace.wrapSpanContext(this._spanContext));
    if (key === RPC_METADATA_KEY) return this._record;
    return this._parent.getValue(key);
  }

  setValue(key: symbol, value: unknown): Context {
    return LinkedContext.with(this, key, value);
  }

  deleteValue(key: symbol): Context {
    return LinkedContext.without(this, key);
  }

  /** The response has ended: keep only the span's ids. */
  release(): void {
    this._span = undefined;
    this._record = undefined;
  }
}
