/**
 * PostgreSQL statement text → what the database conventions record: the text with its literals
 * replaced by `?` (comments removed, `IN (?, ?, …)` collapsed to `IN (?)`), the operation, the
 * single table a statement names, the low-cardinality `db.query.summary` (`SELECT users`,
 * `INSERT shipping_details SELECT orders`), and the statement count for batches.
 *
 * One pass of a small lexer, no SQL parser: it knows PostgreSQL's literal syntax (standard and
 * E'' strings with their escapes, dollar quoting, numbers, X'' / B'' strings, nested block
 * comments), quoted identifiers, and `$n` parameters, which are kept as written. Results are
 * cached per text (bounded), so a query run many times is analysed once.
 *
 * Only the first MAX_ANALYSED_LENGTH characters are read: lexing a 10 MB IN list took 1.5 s and
 * 200 MB of tokens, on the app's event loop, for a db.query.text that is cut at 10000 characters
 * anyway. A cut is safe: a literal, comment or dollar-quoted body cut open runs to the end of
 * what is read and becomes `?` (or nothing) like a closed one, so no part of a value leaks.
 */
import { detachedCopy, truncateValue } from '../../kit/limits';

export interface SqlAnalysis {
  /** The text with literals as `?` and comments removed; the text itself when it has neither. */
  readonly sanitized: string;
  /** `SELECT`, `INSERT`, …; `BATCH SELECT` or `BATCH` for several statements; undefined if unknown. */
  readonly operation: string | undefined;
  /** The table, when the text (every statement of a batch) names exactly one. */
  readonly collection: string | undefined;
  /** `SELECT users`; undefined when nothing is recognised. At most 255 characters. */
  readonly summary: string | undefined;
  /** The number of statements, when 2 or more. */
  readonly batchSize: number | undefined;
}

const MAX_SUMMARY = 255;
/**
 * Characters read of a statement: enough that the sanitised text, which drops comments and
 * collapses IN lists, still fills db.query.text's 10000 characters in all but freak cases.
 */
export const MAX_ANALYSED_LENGTH = 65536;
const CACHE_SIZE = 1000;
/** Longer texts are analysed but not cached: a cache of huge one-off statements is a leak. */
const MAX_CACHED_TEXT = 4096;

const OPERATIONS = new Set([
  'SELECT', 'INSERT', 'UPDATE', 'DELETE', 'MERGE', 'WITH', 'CREATE', 'DROP', 'ALTER', 'TRUNCATE',
  'BEGIN', 'COMMIT', 'ROLLBACK', 'START', 'SAVEPOINT', 'RELEASE', 'COPY', 'CALL', 'DO', 'EXPLAIN',
  'GRANT', 'REVOKE', 'LOCK', 'VACUUM', 'ANALYZE', 'SET', 'SHOW', 'RESET', 'LISTEN', 'NOTIFY',
  'UNLISTEN', 'PREPARE', 'EXECUTE', 'DEALLOCATE', 'DECLARE', 'FETCH', 'CLOSE', 'REFRESH', 'VALUES', 'TABLE',
]);
/** Operations inside a statement that start a new part of the summary (sub-queries, INSERT … SELECT). */
const INNER_OPERATIONS = new Set(['SELECT', 'INSERT', 'UPDATE', 'DELETE', 'MERGE']);
/** Keywords after which a table name follows. */
const TABLE_BEFORE = new Set(['FROM', 'JOIN', 'INTO', 'UPDATE', 'TABLE']);
/** Words that follow those keywords but are not tables. */
const NOT_TABLES = new Set(['ONLY', 'LATERAL', 'SELECT', 'IF', 'NOT', 'EXISTS', 'UNLOGGED', 'TEMP', 'TEMPORARY', 'ROWS', 'VALUES', 'ALL', 'DISTINCT']);
/** DDL: the object kind follows the verb and belongs in the operation (`CREATE TABLE users`). */
const DDL = new Set(['CREATE', 'DROP', 'ALTER', 'TRUNCATE']);

type Token =
  | { readonly kind: 'word'; readonly text: string; readonly upper: string }
  | { readonly kind: 'ident'; readonly text: string } // "Quoted"
  | { readonly kind: 'literal' }
  | { readonly kind: 'param'; readonly text: string }
  | { readonly kind: 'punct'; readonly text: string };

function isWordStart(c: number): boolean {
  return (c >= 65 && c <= 90) || (c >= 97 && c <= 122) || c === 95 || c > 127;
}
function isWordPart(c: number): boolean {
  return isWordStart(c) || (c >= 48 && c <= 57) || c === 36;
}
function isDigit(c: number): boolean {
  return c >= 48 && c <= 57;
}

/** Index after a quoted run starting at `i` (the opening quote); `backslashes`: E'' escapes. */
function skipQuoted(text: string, i: number, quote: string, backslashes: boolean): number {
  let j = i + 1;
  while (j < text.length) {
    const ch = text[j];
    if (backslashes && ch === '\\') {
      j += 2;
      continue;
    }
    if (ch === quote) {
      if (text[j + 1] === quote) {
        j += 2; // '' (or "") is the quote itself
        continue;
      }
      return j + 1;
    }
    j++;
  }
  return text.length;
}

/** Lexes `text`, writing the sanitized text into `out` as it goes. */
function lex(text: string, out: string[]): Token[] {
  const tokens: Token[] = [];
  let i = 0;
  let last = 0; // start of the text not yet copied to out
  const replace = (from: number, to: number, by: string): void => {
    out.push(text.slice(last, from), by);
    last = to;
  };
  while (i < text.length) {
    const c = text.charCodeAt(i);
    const ch = text[i];
    if (ch === '-' && text[i + 1] === '-') {
      const end = text.indexOf('\n', i);
      const to = end === -1 ? text.length : end;
      replace(i, to, '');
      i = to;
    } else if (ch === '/' && text[i + 1] === '*') {
      let depth = 1;
      let j = i + 2;
      while (j < text.length && depth > 0) {
        if (text[j] === '/' && text[j + 1] === '*') (depth++, (j += 2));
        else if (text[j] === '*' && text[j + 1] === '/') (depth--, (j += 2));
        else j++;
      }
      replace(i, j, ' ');
      i = j;
    } else if (ch === "'") {
      const j = skipQuoted(text, i, "'", false);
      replace(i, j, '?');
      tokens.push({ kind: 'literal' });
      i = j;
    } else if ((ch === 'E' || ch === 'e' || ch === 'X' || ch === 'x' || ch === 'B' || ch === 'b' || ch === 'U' || ch === 'u' || ch === 'N' || ch === 'n') && text[i + 1] === "'" && !(i > 0 && isWordPart(text.charCodeAt(i - 1)))) {
      const j = skipQuoted(text, i + 1, "'", ch === 'E' || ch === 'e');
      replace(i, j, '?');
      tokens.push({ kind: 'literal' });
      i = j;
    } else if (ch === '"') {
      const j = skipQuoted(text, i, '"', false);
      tokens.push({ kind: 'ident', text: text.slice(i, j) });
      i = j;
    } else if (ch === '$') {
      // $1 (a parameter), or $tag$ … $tag$ / $$ … $$ (dollar quoting)
      let j = i + 1;
      while (j < text.length && isDigit(text.charCodeAt(j))) j++;
      if (j > i + 1 && !(j < text.length && text[j] === '$')) {
        tokens.push({ kind: 'param', text: text.slice(i, j) });
        i = j;
        continue;
      }
      j = i + 1;
      while (j < text.length && isWordPart(text.charCodeAt(j)) && text[j] !== '$') j++;
      if (text[j] === '$') {
        const tag = text.slice(i, j + 1);
        const close = text.indexOf(tag, j + 1);
        const to = close === -1 ? text.length : close + tag.length;
        replace(i, to, '?');
        tokens.push({ kind: 'literal' });
        i = to;
      } else {
        tokens.push({ kind: 'punct', text: '$' });
        i++;
      }
    } else if (isDigit(c) || (ch === '.' && isDigit(text.charCodeAt(i + 1)))) {
      let j = i;
      if (ch === '0' && (text[i + 1] === 'x' || text[i + 1] === 'X')) j += 2;
      while (j < text.length && (isWordPart(text.charCodeAt(j)) || text[j] === '.' || ((text[j] === '+' || text[j] === '-') && (text[j - 1] === 'e' || text[j - 1] === 'E')))) j++;
      replace(i, j, '?');
      tokens.push({ kind: 'literal' });
      i = j;
    } else if (isWordStart(c)) {
      let j = i + 1;
      while (j < text.length && isWordPart(text.charCodeAt(j))) j++;
      const word = text.slice(i, j);
      tokens.push({ kind: 'word', text: word, upper: word.toUpperCase() });
      i = j;
    } else {
      if (ch.trim() !== '') tokens.push({ kind: 'punct', text: ch });
      i++;
    }
  }
  out.push(text.slice(last));
  return tokens;
}

/** `IN (?, ?, ?)` → `IN (?)`; whitespace left by removed comments trimmed at the ends. */
function tidy(sanitized: string): string {
  return sanitized.replace(/\bIN\s*\(\s*\?(?:\s*,\s*\?)+\s*\)/gi, 'IN (?)').trim();
}

/** A table name as written: `users`, `public.users`, `"Order Items"`. */
function readName(tokens: readonly Token[], at: number): { name: string; next: number } | undefined {
  // FROM ONLY t, JOIN LATERAL …: a modifier before the name.
  const modifier = tokens[at];
  if (modifier?.kind === 'word' && (modifier.upper === 'ONLY' || modifier.upper === 'LATERAL')) at++;
  const first = tokens[at];
  if (first === undefined || (first.kind !== 'word' && first.kind !== 'ident')) return undefined;
  if (first.kind === 'word' && NOT_TABLES.has(first.upper)) return undefined;
  let name = first.text;
  let j = at + 1;
  while (tokens[j]?.kind === 'punct' && (tokens[j] as { text: string }).text === '.' && (tokens[j + 1]?.kind === 'word' || tokens[j + 1]?.kind === 'ident')) {
    name += `.${(tokens[j + 1] as { text: string }).text}`;
    j += 2;
  }
  return { name, next: j };
}

interface Statement {
  readonly operation: string | undefined;
  readonly tables: string[];
  readonly summary: string[];
}

function analyseStatement(tokens: readonly Token[]): Statement {
  const summary: string[] = [];
  const tables: string[] = [];
  let operation: string | undefined;
  const ctes = new Set<string>();
  for (let i = 0; i < tokens.length; i++) {
    const token = tokens[i];
    if (token.kind !== 'word') continue;
    const word = token.upper;
    if (operation === undefined && OPERATIONS.has(word)) {
      if (DDL.has(word)) {
        // CREATE [OR REPLACE] [UNIQUE] TABLE|INDEX|VIEW … name
        let j = i + 1;
        const kind: string[] = [word];
        while (tokens[j]?.kind === 'word' && ['OR', 'REPLACE', 'UNIQUE', 'TEMP', 'TEMPORARY', 'UNLOGGED', 'MATERIALIZED', 'TABLE', 'INDEX', 'VIEW', 'SEQUENCE', 'SCHEMA', 'FUNCTION', 'TYPE', 'EXTENSION', 'DATABASE', 'TRIGGER', 'IF', 'NOT', 'EXISTS', 'CONCURRENTLY'].includes((tokens[j] as { upper: string }).upper)) {
          const w = (tokens[j] as { upper: string }).upper;
          if (!['OR', 'REPLACE', 'IF', 'NOT', 'EXISTS', 'CONCURRENTLY', 'TEMP', 'TEMPORARY', 'UNLOGGED'].includes(w)) kind.push(w);
          j++;
        }
        operation = kind.join(' ');
        summary.push(operation);
        const name = readName(tokens, j);
        if (name !== undefined) {
          summary.push(name.name);
          if (kind.includes('TABLE')) tables.push(name.name);
          i = name.next - 1;
        }
        continue;
      }
      operation = word;
      if (word === 'WITH') {
        // WITH name AS ( … ), name2 AS ( … ): the CTE names are targets of the summary, not tables.
        for (let j = i + 1; j < tokens.length; j++) {
          const t = tokens[j];
          if ((t.kind === 'word' || t.kind === 'ident') && tokens[j + 1]?.kind === 'word' && (tokens[j + 1] as { upper: string }).upper === 'AS') ctes.add(t.text);
        }
        continue;
      }
      summary.push(word);
      // UPDATE name / TABLE name: the verb is also the keyword before the table.
      if (TABLE_BEFORE.has(word)) {
        const name = readName(tokens, i + 1);
        if (name !== undefined) {
          if (!ctes.has(name.name)) tables.push(name.name);
          summary.push(name.name);
          i = name.next - 1;
        }
      }
      continue;
    }
    if (operation !== undefined && INNER_OPERATIONS.has(word)) {
      if (summary.at(-1) !== word) summary.push(word);
      if (operation === 'WITH') operation = word;
      continue;
    }
    if (TABLE_BEFORE.has(word)) {
      const name = readName(tokens, i + 1);
      if (name === undefined) continue;
      if (!ctes.has(name.name)) tables.push(name.name);
      summary.push(name.name);
      i = name.next - 1;
      // FROM a, b: comma-separated tables
      while (tokens[i + 1]?.kind === 'punct' && (tokens[i + 1] as { text: string }).text === ',') {
        const more = readName(tokens, i + 2);
        if (more === undefined) break;
        if (!ctes.has(more.name)) tables.push(more.name);
        summary.push(more.name);
        i = more.next - 1;
      }
    }
  }
  return { operation, tables, summary };
}

function splitStatements(tokens: readonly Token[]): Token[][] {
  const statements: Token[][] = [[]];
  for (const token of tokens) {
    if (token.kind === 'punct' && token.text === ';') statements.push([]);
    else statements.at(-1)!.push(token);
  }
  return statements.filter((s) => s.length > 0);
}

function truncate(summary: string): string {
  return truncateValue(summary, MAX_SUMMARY);
}

/**
 * A table name as recorded: a copy, since as a slice of the statement it would keep the whole
 * text alive (kit/limits.ts), and no longer than a summary (PostgreSQL itself cuts identifiers
 * at 63 bytes).
 */
function collectionName(name: string | undefined): string | undefined {
  return name === undefined ? undefined : name.length > MAX_SUMMARY ? truncateValue(name, MAX_SUMMARY) : detachedCopy(name);
}

export function analyseSql(text: string, maxAnalysedLength: number = MAX_ANALYSED_LENGTH): SqlAnalysis {
  // Copied, not sliced: the identifiers kept from it (db.collection.name) would otherwise hold the
  // whole statement alive while the span waits to be exported (kit/limits.ts).
  if (text.length > maxAnalysedLength) text = detachedCopy(text.slice(0, maxAnalysedLength));
  const out: string[] = [];
  const tokens = lex(text, out);
  const sanitized = tidy(out.join(''));
  const statements = splitStatements(tokens).map(analyseStatement);
  if (statements.length <= 1) {
    const s = statements[0];
    const distinctTables = [...new Set(s?.tables ?? [])];
    return {
      sanitized,
      operation: s?.operation,
      collection: distinctTables.length === 1 ? collectionName(distinctTables[0]) : undefined,
      summary: s === undefined || s.summary.length === 0 ? undefined : truncate(s.summary.join(' ')),
      batchSize: undefined,
    };
  }
  // A batch: the common summary / operation / table prefixed with BATCH, or BATCH alone.
  const summaries = new Set(statements.map((s) => s.summary.join(' ')));
  const operations = new Set(statements.map((s) => s.operation));
  const tables = new Set(statements.flatMap((s) => s.tables));
  const [onlySummary] = summaries;
  const [onlyOperation] = operations;
  return {
    sanitized,
    operation: operations.size === 1 && onlyOperation !== undefined ? `BATCH ${onlyOperation}` : 'BATCH',
    collection: tables.size === 1 && statements.every((s) => s.tables.length > 0) ? collectionName([...tables][0]) : undefined,
    summary: truncate(summaries.size === 1 && onlySummary !== '' ? `BATCH ${onlySummary}` : 'BATCH'),
    batchSize: statements.length,
  };
}

/**
 * The names a text uses, never its literals: every word as written and folded to lower case (as
 * PostgreSQL folds unquoted names, and then quotes them in its messages), and every quoted
 * identifier's name. For a failed query's message (./error-message.ts); not cached, as failures are rare.
 */
export function identifiersOf(text: string): Set<string> {
  const names = new Set<string>();
  for (const token of lex(text, [])) {
    if (token.kind === 'word') names.add(token.text).add(token.text.toLowerCase());
    else if (token.kind === 'ident' && token.text.length >= 2 && token.text.endsWith('"')) names.add(token.text.slice(1, -1).replaceAll('""', '"'));
  }
  return names;
}

const cache = new Map<string, SqlAnalysis>();

/** analyseSql, cached: the same text (a prepared or parameterised query) is analysed once. */
export function analyseSqlCached(text: string, maxAnalysedLength: number = MAX_ANALYSED_LENGTH): SqlAnalysis {
  // A long text is never cached, so it is not looked up either: the lookup would hash all of it.
  if (text.length > MAX_CACHED_TEXT) return analyseSql(text, maxAnalysedLength);
  const hit = cache.get(text);
  if (hit !== undefined) return hit;
  const analysis = analyseSql(text, maxAnalysedLength);
  if (cache.size >= CACHE_SIZE) cache.delete(cache.keys().next().value as string);
  cache.set(text, analysis);
  return analysis;
}
