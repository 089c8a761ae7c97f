/**
 * An OTLP exporter for one signal over one transport (OTLP/HTTP or OTLP/gRPC): it encodes a
 * batch, hands the bytes to the transport, and turns what came back into an ExportResult and at
 * most one warning per reason.
 *
 * Every send runs under suppressTracing so our own http instrumentation never traces the export
 * (which would feed itself). export() never rejects; failures are logged once per reason with a
 * stable code and reported as FAILED. exportSync() is the process.exit() path: the transport
 * hands one request to a short-lived child process and waits for it (see sync-send.ts).
 */
import { context } from '@opentelemetry/api';
import type { OtlpConfig } from '../config/types';
import { log } from '../log';
import { suppressTracing } from '../sdk/suppress-tracing';
import { ExportResultCode, type ExportResult } from '../sdk/types';
import { RetryStopper } from './retry';
import type { SyncSendResult } from './sync-send';

/** What one send (all its attempts) came to. */
export type SendOutcome =
  | { readonly kind: 'delivered'; readonly attempts: number; readonly response: Buffer; readonly responseIsJson: boolean }
  /** The collector answered with a permanent refusal: not retried. `reason` keys the warning. */
  | { readonly kind: 'rejected'; readonly attempts: number; readonly reason: string; readonly detail: string }
  /** Unreachable, or still failing when the retries ran out. */
  | { readonly kind: 'failed'; readonly attempts: number; readonly reason: string };

/** Tells whether the current attempt's body has been fully written to the socket. */
export interface SendProgress {
  written: boolean;
}

/** The encoding an OTLP protocol carries: JSON only over http/json (gRPC and http/protobuf: protobuf). */
export function otlpFormatOf(protocol: OtlpConfig['protocol']): 'protobuf' | 'json' {
  return protocol === 'http/json' ? 'json' : 'protobuf';
}

export interface OtlpTransport {
  /** The encoding the transport carries (otlpFormatOf its protocol). */
  readonly format: 'protobuf' | 'json';
  /** Where the data goes, for messages. */
  readonly endpoint: string;
  /** False when the endpoint cannot be used at all (it warned already). */
  readonly usable: boolean;
  send(body: Uint8Array, progress: SendProgress, stopper: RetryStopper): Promise<SendOutcome>;
  sendSync(body: Uint8Array, timeoutMs: number): SyncSendResult;
  close(): void;
}

/** One OTLP signal: how its batches are encoded and named in messages. */
export interface OtlpSignal<Batch> {
  /** Plural noun of what a batch holds, e.g. "spans". */
  readonly items: string;
  count(batch: Batch): number;
  encodeProto(batch: Batch): Uint8Array;
  encodeJson(batch: Batch): string;
  /**
   * A backend may simply not take this signal (Jaeger takes spans but answers 404 on
   * /v1/metrics; a gRPC server without the service answers UNIMPLEMENTED): then say so once and
   * refuse every later batch without sending it.
   */
  readonly mayBeRefused?: boolean;
}

/** The answers that mean "this backend does not take the signal", not "this batch is bad". */
const SIGNAL_REFUSALS: ReadonlySet<string> = new Set(['HTTP 404', 'UNIMPLEMENTED']);

function failed(message: string): ExportResult {
  return { code: ExportResultCode.FAILED, error: new Error(message) };
}

const SUCCESS: ExportResult = { code: ExportResultCode.SUCCESS };

export class OtlpExporter<Batch extends object> {
  private readonly pending = new Set<Promise<ExportResult>>();
  private readonly retryStopper = new RetryStopper();
  /** Per in-flight batch: has its body reached the socket? (see SpanExporter.isHandedOff) */
  private readonly progressByBatch = new WeakMap<Batch, SendProgress>();
  /** Rejections already warned about, so a collector refusing every batch warns once. */
  private readonly warnedRejections = new Set<string>();
  private warnedPartialSuccess = false;
  private isShutdown = false;
  private refused = false;

  constructor(
    private readonly signal: OtlpSignal<Batch>,
    private readonly transport: OtlpTransport,
  ) {}

  /** True once the backend said it does not take this signal at all (see OtlpSignal.mayBeRefused). */
  get refusesSignal(): boolean {
    return this.refused;
  }

  export(batch: Batch): Promise<ExportResult> {
    if (this.isShutdown) return Promise.resolve(failed('exporter is shut down'));
    if (this.refused) return Promise.resolve(failed(`the backend does not take ${this.signal.items}`));
    if (this.signal.count(batch) === 0) return Promise.resolve(SUCCESS);
    if (!this.transport.usable) return Promise.resolve(failed(`no usable OTLP endpoint (${this.transport.endpoint})`));

    const done = context.with(suppressTracing(context.active()), () => this.send(batch));
    this.pending.add(done);
    void done.then(() => this.pending.delete(done));
    return done;
  }

  /**
   * The process is exiting: a failed attempt is final from now on, so the last flush ends as soon
   * as the collector proves unreachable instead of holding the exit for the whole backoff.
   */
  prepareForExit(): void {
    this.retryStopper.stop();
  }

  isHandedOff(batch: Batch): boolean {
    return this.progressByBatch.get(batch)?.written === true;
  }

  /** True when the batch was delivered (or was empty). */
  exportSync(batch: Batch, timeoutMs: number): boolean {
    if (this.signal.count(batch) === 0) return true;
    if (this.isShutdown || this.refused || !this.transport.usable) return false;
    try {
      const result = this.transport.sendSync(this.encode(batch), timeoutMs);
      if (result.ok) log.debug(`exported ${this.signal.count(batch)} ${this.signal.items} synchronously`);
      else log.warnOnce('OTELI_W_EXPORT_SYNC', `synchronous export of the last ${this.signal.items} failed: ${result.reason}`);
      return result.ok;
    } catch (err) {
      log.errorOnce('OTELI_E_EXPORT_SYNC', 'synchronous export crashed', err);
      return false;
    }
  }

  async shutdown(): Promise<void> {
    if (this.isShutdown) return;
    this.isShutdown = true;
    await Promise.all(this.pending);
    this.transport.close();
  }

  private encode(batch: Batch): Uint8Array {
    return this.transport.format === 'json' ? Buffer.from(this.signal.encodeJson(batch), 'utf8') : this.signal.encodeProto(batch);
  }

  private async send(batch: Batch): Promise<ExportResult> {
    try {
      const progress: SendProgress = { written: false };
      this.progressByBatch.set(batch, progress);
      const outcome = await this.transport.send(this.encode(batch), progress, this.retryStopper);
      return this.interpret(outcome, this.signal.count(batch));
    } catch (err) {
      log.errorOnce('OTELI_E_EXPORT', `exporting ${this.signal.items} crashed`, err);
      return failed(err instanceof Error ? err.message : String(err));
    }
  }

  private interpret(outcome: SendOutcome, count: number): ExportResult {
    const { items } = this.signal;
    const { endpoint } = this.transport;
    switch (outcome.kind) {
      case 'delivered':
        this.checkPartialSuccess(outcome.response, outcome.responseIsJson);
        log.debug(`exported ${count} ${items} in ${outcome.attempts} attempt(s)`);
        return SUCCESS;
      case 'rejected':
        if (this.signal.mayBeRefused === true && SIGNAL_REFUSALS.has(outcome.reason)) {
          this.refused = true;
          log.warnOnce('OTELI_W_SIGNAL_REFUSED', `${endpoint} does not take ${items} (${outcome.reason}); ${items} export is off for this process`);
          return failed(`${outcome.reason}: the backend does not take ${items}`);
        }
        if (!this.warnedRejections.has(outcome.reason)) {
          this.warnedRejections.add(outcome.reason);
          log.warnOnce('OTELI_W_EXPORT_REJECTED', `${endpoint} rejected ${items} with ${outcome.reason} (not retried): ${outcome.detail}`);
        }
        return failed(`${outcome.reason} after ${outcome.attempts} attempt(s)`);
      case 'failed':
        log.warnOnce('OTELI_W_EXPORT_FAILED', `exporting ${items} to ${endpoint} failed: ${outcome.reason}`);
        return failed(`${outcome.reason} after ${outcome.attempts} attempt(s)`);
    }
  }

  private checkPartialSuccess(body: Buffer, isJson: boolean): void {
    if (this.warnedPartialSuccess || body.length === 0) return;
    // Required here: an answer that says anything is rare, and start-up need not load its reader.
    const answers = require('./partial-success') as typeof import('./partial-success');
    const partial = answers.parsePartialSuccess(body, isJson);
    if (partial === undefined) return;
    if (partial === answers.UNREADABLE) {
      // A web server or proxy that answers 200 to any POST swallows every span without a word.
      log.warnOnce(
        'OTELI_W_EXPORT_RESPONSE',
        `${this.transport.endpoint} accepted ${this.signal.items} but its answer is not an OTLP export response; is the endpoint an OTLP receiver?`,
      );
      return;
    }
    this.warnedPartialSuccess = true;
    log.warnOnce(
      'OTELI_W_EXPORT_PARTIAL',
      `the collector rejected ${partial.rejectedItems} ${this.signal.items.replace(/s$/, '')}(s): ${partial.errorMessage || '(no message)'}`,
    );
  }
}
