/**
 * error.type values: a status code as a string for HTTP-level failures, a low-cardinality
 * identifier (Node's `code`, else the error's class name) for failures before a response.
 */

/** Status codes repeat a lot: keep their string forms instead of allocating one per span. */
const statusStrings = new Map<number, string>();

export function errorTypeForStatus(statusCode: number): string {
  let text = statusStrings.get(statusCode);
  if (text === undefined) {
    text = String(statusCode);
    if (statusStrings.size < 1000) statusStrings.set(statusCode, text);
  }
  return text;
}

// The general one lives in the kit, for every instrumentation; http's callers import it from here.
export { errorTypeForError } from '../../kit/errors';
