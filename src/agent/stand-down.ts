/**
 * Instrumentations of ours that gave way to someone else's (the app's own
 * @opentelemetry/instrumentation-http, dd-trace, elastic-apm-node …), so one request never gets two
 * SERVER or two CLIENT spans. Our wrappers stay installed and check `isStoodDown(id)` on every
 * call, passing straight through once it is true: a lookup in a null-prototype object, no
 * allocation. Standing down is one-way for the life of the process.
 */
import { log } from '../log';

const stoodDown: Record<string, true | undefined> = Object.create(null);

/** From now on, the instrumentation `instrumentationId` records nothing. Never throws. */
export function standDown(instrumentationId: string, reason: string): void {
  if (stoodDown[instrumentationId] === true) return;
  stoodDown[instrumentationId] = true;
  log.debug(`${instrumentationId}: standing down (${reason})`);
}

export function isStoodDown(instrumentationId: string): boolean {
  return stoodDown[instrumentationId] === true;
}

/** Ids that stood down so far (for `bootstrap` and debugging). */
export function stoodDownIds(): string[] {
  return Object.keys(stoodDown);
}
