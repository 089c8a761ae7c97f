/**
 * Reading and writing headers on undici's internal Request, whose `headers` changed shape in
 * undici 6.7.0 (nodejs/undici#2874): a `'name: value\r\n'` string before, a flat
 * `[name, value, …]` array since. Node 20 shipped both over its life, so we handle both.
 */
import type { UndiciRequest } from './undici-types';

/**
 * The values of one request header (lower-case name), each occurrence separately; undefined when
 * absent. Read for header capture, after our own headers were added.
 */
export function requestHeaderValues(request: UndiciRequest, lowerName: string): string[] | undefined {
  const headers = request.headers;
  let found: string[] | undefined;
  if (Array.isArray(headers)) {
    for (let i = 0; i + 1 < headers.length; i += 2) {
      const name = headers[i];
      // The length first: a request with thousands of headers is not lower-cased for each name.
      if (typeof name !== 'string' || name.length !== lowerName.length || name.toLowerCase() !== lowerName) continue;
      const value: unknown = headers[i + 1];
      // undici 6.7+ keeps a repeated header given as an array ({ 'x-a': ['1', '2'] }) as one array value.
      if (Array.isArray(value)) for (const v of value) (found ??= []).push(String(v));
      else (found ??= []).push(String(value));
    }
  } else if (typeof headers === 'string') {
    for (const line of headers.split('\r\n')) {
      const colon = line.indexOf(':');
      if (colon > 0 && line.slice(0, colon).trim().toLowerCase() === lowerName) {
        (found ??= []).push(line.slice(colon + 1).trim());
      }
    }
  }
  return found;
}

/**
 * Sets a header for propagation. A header the app already sent under that name (a forwarded
 * incoming `traceparent`, say) is replaced in place, keeping the app's casing, so the server
 * never receives two `traceparent` values; otherwise `addHeader` appends it through undici's own
 * validation. Returns false when the header could not be set.
 */
export function setRequestHeader(request: UndiciRequest, name: string, value: string): boolean {
  const headers = request.headers;
  if (Array.isArray(headers)) {
    for (let i = 0; i + 1 < headers.length; i += 2) {
      if (typeof headers[i] === 'string' && headers[i].toLowerCase() === name) {
        headers[i + 1] = value;
        return true;
      }
    }
  } else if (typeof headers === 'string' && headers.length > 0) {
    const replaced = replaceInHeaderString(headers, name, value);
    if (replaced !== undefined) {
      request.headers = replaced;
      return true;
    }
  }
  if (typeof request.addHeader !== 'function') return false;
  request.addHeader(name, value);
  return true;
}

function replaceInHeaderString(headers: string, name: string, value: string): string | undefined {
  const lines = headers.split('\r\n');
  for (let i = 0; i < lines.length; i++) {
    const colon = lines[i].indexOf(':');
    if (colon > 0 && lines[i].slice(0, colon).trim().toLowerCase() === name) {
      lines[i] = `${lines[i].slice(0, colon)}: ${value}`;
      return lines.join('\r\n');
    }
  }
  return undefined;
}
