/**
 * What became of every span a batch processor was given: exported, dropped from a full queue,
 * lost to an export that failed, or still on hand at exit. Created = the sum of the others, so a
 * user (and the soak test) can tell that nothing was lost silently.
 *
 * Losses are reported as at most one warning line per interval (OTEL_NODE_LOSS_REPORT_INTERVAL),
 * never one per span or per export: the first failure of each kind already warned at once
 * (OTELI_W_EXPORT_FAILED, OTELI_W_BSP_QUEUE_FULL), and a collector down for an hour is then one
 * line a minute with the counts. The report timer exists only while losses wait to be reported,
 * and is unref'd.
 */
import { log } from '../log';

export interface SpanTotals {
  /** Sampled spans the processor was given. */
  readonly created: number;
  readonly exported: number;
  /** Refused because the queue was full. */
  readonly droppedQueueFull: number;
  /** In batches whose export failed (after its retries). */
  readonly failed: number;
  /** Queued, or in an export that had not settled, when the process exited. */
  readonly pendingAtExit: number;
}

interface Losses {
  droppedQueueFull: number;
  failed: number;
  lastFailure: string | undefined;
}

const noLosses = (): Losses => ({ droppedQueueFull: 0, failed: 0, lastFailure: undefined });

export class SpanLedger {
  exported = 0;
  droppedQueueFull = 0;
  failed = 0;
  /** Losses since the last report; the window opened at windowStartMs. */
  private unreported: Losses = noLosses();
  private windowStartMs = 0;
  private timer: NodeJS.Timeout | undefined;
  private reportsPrinted = 0;

  constructor(
    private readonly intervalMs: number,
    /** Names the queue-size setting in the report (the only remedy for queue-full drops). */
    private readonly maxQueueSize: number,
  ) {}

  noteExported(count: number): void {
    this.exported += count;
  }

  /** One span refused by a full queue: the hot path when the app outruns the exporter. */
  noteDropped(): void {
    this.droppedQueueFull++;
    this.unreported.droppedQueueFull++;
    this.armReport();
  }

  noteFailed(count: number, reason: string | undefined): void {
    this.failed += count;
    this.unreported.failed += count;
    if (reason !== undefined) this.unreported.lastFailure = reason;
    this.armReport();
  }

  totals(created: number, pendingAtExit = 0): SpanTotals {
    return { created, exported: this.exported, droppedQueueFull: this.droppedQueueFull, failed: this.failed, pendingAtExit };
  }

  /**
   * The 'exit' listener's line: totals at debug level always; at warn level when losses are still
   * unreported and either a periodic report came before (a service that kept losing) or spans
   * were dropped from a full queue (whose first warning could not give a count). A short run
   * against a dead collector keeps its one OTELI_W_EXPORT_FAILED line.
   */
  reportAtExit(created: number, pendingAtExit: number): void {
    this.clearTimer();
    const totals = this.totals(created, pendingAtExit);
    const lost = this.unreported.droppedQueueFull + this.unreported.failed + pendingAtExit;
    const mustWarn = lost > 0 && (this.reportsPrinted > 0 || this.unreported.droppedQueueFull > 0);
    if (mustWarn) log.warnCoded('OTELI_W_SPANS_LOST', `at exit, ${describeTotals(totals)}`);
    else log.debug(`spans at exit: ${describeTotals(totals)}`);
  }

  private armReport(): void {
    if (this.timer !== undefined) return;
    this.windowStartMs = performance.now();
    this.timer = setTimeout(() => this.report(), this.intervalMs);
    this.timer.unref();
  }

  private report(): void {
    this.timer = undefined;
    const { droppedQueueFull, failed, lastFailure } = this.unreported;
    this.unreported = noLosses();
    if (droppedQueueFull + failed === 0) return;
    this.reportsPrinted++;
    const seconds = Math.round((performance.now() - this.windowStartMs) / 1000);
    const parts: string[] = [];
    if (droppedQueueFull > 0) parts.push(`${droppedQueueFull} dropped from the full queue (OTEL_BSP_MAX_QUEUE_SIZE=${this.maxQueueSize})`);
    if (failed > 0) parts.push(`${failed} in failed exports${lastFailure === undefined ? '' : ` (last: ${lastFailure})`}`);
    log.warnCoded('OTELI_W_SPANS_LOST', `${droppedQueueFull + failed} spans lost in the last ${seconds} s: ${parts.join(', ')}; ${this.exported} exported so far`);
  }

  private clearTimer(): void {
    if (this.timer !== undefined) clearTimeout(this.timer);
    this.timer = undefined;
  }
}

export function describeTotals(t: SpanTotals): string {
  return `${t.created} created, ${t.exported} exported, ${t.droppedQueueFull} dropped (queue full), ${t.failed} in failed exports, ${t.pendingAtExit} not delivered at exit`;
}
