/**
 * Which signals the CLI should forward to its child on the spawn path (Node.js 20).
 *
 * A signal sent to the whole process group (`timeout`, `kill -- -PGID`, a terminal's Ctrl-C) or to
 * every process of a cgroup (systemd's KillMode=control-group) reaches the child by itself;
 * forwarding our copy too would deliver it twice. Node gives no siginfo, so the CLI cannot see who
 * sent a signal; instead the preload in the child reports each signal it receives over an
 * inherited pipe (src/signal-report.ts). A signal the CLI gets is forwarded only when no report of
 * the same signal arrives within a short window around it.
 */

/** How long a report and a signal of ours may be apart and still be one group delivery. */
export const SIGNAL_MATCH_WINDOW_MS = 200;

export class SignalLedger {
  /** When the child reported each signal that no signal of ours has matched yet. */
  private readonly unmatchedReports = new Map<string, number[]>();
  /** Our own signals waiting for a report, each with the timer that forwards it. */
  private readonly waiting = new Map<string, NodeJS.Timeout[]>();

  constructor(
    private readonly windowMs: number = SIGNAL_MATCH_WINDOW_MS,
    private readonly now: () => number = Date.now,
  ) {}

  /** The child says it received `signal`. */
  childReceived(signal: string): void {
    const timers = this.waiting.get(signal);
    if (timers !== undefined && timers.length > 0) {
      clearTimeout(timers.shift());
      return;
    }
    const reports = this.unmatchedReports.get(signal) ?? [];
    reports.push(this.now());
    this.unmatchedReports.set(signal, reports);
  }

  /** We received `signal`: `forward` runs unless the child got the same one. */
  cliReceived(signal: string, forward: () => void): void {
    const reports = (this.unmatchedReports.get(signal) ?? []).filter((at) => this.now() - at <= this.windowMs);
    this.unmatchedReports.set(signal, reports);
    if (reports.length > 0) {
      reports.shift();
      return;
    }
    const timers = this.waiting.get(signal) ?? [];
    const timer = setTimeout(() => {
      timers.splice(timers.indexOf(timer), 1);
      forward();
    }, this.windowMs);
    timers.push(timer);
    this.waiting.set(signal, timers);
  }

  stop(): void {
    for (const timers of this.waiting.values()) timers.forEach((timer) => clearTimeout(timer));
    this.waiting.clear();
  }
}
