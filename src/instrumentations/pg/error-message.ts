/**
 * What the exception event and the status of a failed query may say. PostgreSQL writes the
 * offending value into many of its messages, double-quoted: `invalid input syntax for type
 * integer: "hunter2"`, `value "…" is out of range for type integer`, `unterminated quoted string
 * at or near "'…"`. That value is a literal of the query (which db.query.text replaces by `?`), a
 * parameter (never recorded unless OTEL_INSTRUMENTATION_PG_CAPTURE_PARAMETERS=true) or a stored
 * value no query text shows; recording the message as sent would undo the sanitising.
 *
 * So in a server error (one with a SQLSTATE), a quoted part of the message is kept only when it is
 * a name: an identifier of the query text (`column "nope" does not exist`), the database, or one
 * the server itself reports as a name in the error's fields (schema, table, column, data type,
 * constraint: `duplicate key value violates unique constraint "users_email_key"`). Anything else
 * becomes `"?"`, as literals do in db.query.text. The detail, hint and where fields (`Key
 * (email)=(…) already exists.`) are never recorded. Errors of the client or the network (no
 * SQLSTATE: ECONNREFUSED, "Connection terminated") are pg's own text and are kept.
 */
import { identifiersOf } from './sql';

const QUOTE = '"';

export function isSqlState(code: unknown): code is string {
  return typeof code === 'string' && /^[0-9A-Z]{5}$/.test(code);
}

/** The names a server error may quote, from the query text and the error's own name fields. */
function knownNames(text: string | undefined, error: Record<string, unknown>, database: unknown): Set<string> {
  const names = text === undefined ? new Set<string>() : identifiersOf(text);
  for (const field of [error.schema, error.table, error.column, error.dataType, error.constraint, database]) {
    if (typeof field === 'string' && field !== '') names.add(field);
  }
  return names;
}

/** `users`, or a qualified `public.users` whose every part is known. */
function isName(quoted: string, names: ReadonlySet<string>): boolean {
  if (quoted === '') return false;
  return names.has(quoted) || quoted.split('.').every((part) => names.has(part));
}

/**
 * `message` with every quoted part that is not a known name replaced by `"?"`. PostgreSQL does
 * not escape quotes inside the values it quotes (`"{"a": 1}"`), so from an unknown quoted part on,
 * everything up to the message's last quote goes: no piece of a value can survive between quotes.
 */
export function sanitizeServerMessage(message: string, names: ReadonlySet<string>): string {
  if (message.indexOf(QUOTE) === -1) return message;
  let out = '';
  let from = 0;
  for (;;) {
    const open = message.indexOf(QUOTE, from);
    if (open === -1) return out + message.slice(from);
    const close = message.indexOf(QUOTE, open + 1);
    if (close === -1) return `${out}${message.slice(from, open)}"?"`;
    if (isName(message.slice(open + 1, close), names)) {
      out += message.slice(from, close + 1);
      from = close + 1;
      continue;
    }
    return `${out}${message.slice(from, open)}"?"${message.slice(message.lastIndexOf(QUOTE) + 1)}`;
  }
}

/** The stack with the message replaced; a stack that does not show the message keeps its frames only. */
function sanitizeStack(stack: string, message: string, sanitized: string): string {
  if (stack.includes(message)) return stack.split(message).join(sanitized);
  return stack
    .split('\n')
    .filter((line) => /^\s+at /.test(line))
    .join('\n');
}

/**
 * What to record for `error`, a failure of the query `text` (undefined for a connect) on
 * `database`: the error itself when nothing in it needs hiding, else a plain copy of what the
 * exception event reads (code, name, message, stack), sanitised. The app's error is not changed.
 */
export function recordableError(error: unknown, text: string | undefined, database: unknown): unknown {
  if (error === null || typeof error !== 'object') return error;
  const fields = error as Record<string, unknown>;
  const { code, message, stack } = fields;
  if (!isSqlState(code) || typeof message !== 'string') return error;
  const sanitized = sanitizeServerMessage(message, knownNames(text, fields, database));
  if (sanitized === message) return error;
  return {
    code,
    name: fields.name,
    message: sanitized,
    stack: typeof stack === 'string' ? sanitizeStack(stack, message, sanitized) : undefined,
  };
}
