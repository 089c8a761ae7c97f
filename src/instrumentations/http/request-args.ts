/**
 * Reading and rewriting the arguments of http.request / http.get (and the https ones):
 * `(url)`, `(url, cb)`, `(url, options, cb?)`, `(options, cb?)`, with url a string or a URL.
 * Options override the URL's parts, as in Node's ClientRequest.
 *
 * Propagation headers go into a copy of the app's options and of its headers: the app's objects are
 * never mutated, and its own header names keep their casing.
 */
import type { OutgoingHttpHeaders, RequestOptions } from 'node:http';

export interface OutgoingRequestTarget {
  /** Upper-cased, as Node sends it. */
  readonly method: string;
  /** `http` or `https`. */
  readonly scheme: string;
  /** Without IPv6 brackets. */
  readonly hostname: string;
  readonly port: number;
  /** Path and query, as sent on the request line. */
  readonly path: string;
  readonly hasUserinfo: boolean;
  /** Index of the options object in the arguments, or -1 when the call had none. */
  readonly optionsIndex: number;
  /** Whether the first argument is a URL (string or URL object), so options come second. */
  readonly urlGiven: boolean;
}

interface UrlLike {
  readonly href: string;
  readonly protocol: string;
  readonly hostname: string;
  readonly port: string;
  readonly pathname: string;
  readonly search: string;
  readonly username: string;
  readonly password: string;
}

/** Node's own test (internal/url isURL): WHATWG URL-shaped, not a legacy url.parse() object. */
function isUrlLike(value: unknown): value is UrlLike {
  if (value === null || typeof value !== 'object') return false;
  const v = value as Record<string, unknown>;
  return typeof v.href === 'string' && typeof v.protocol === 'string' && v.auth === undefined && v.path === undefined;
}

function stripBrackets(host: string): string {
  return host.length > 1 && host[0] === '[' && host[host.length - 1] === ']' ? host.slice(1, -1) : host;
}

/**
 * What the request will target. Throws on arguments Node itself would reject (an invalid URL
 * string, a non-string method); the caller then leaves the call to Node, which throws its own error.
 */
export function readRequestTarget(args: ArrayLike<unknown>, moduleScheme: 'http' | 'https'): OutgoingRequestTarget {
  const first = args[0];
  let url: UrlLike | undefined;
  let options: RequestOptions | undefined;
  let optionsIndex = -1;
  if (typeof first === 'string') {
    url = new URL(first) as unknown as UrlLike;
  } else if (isUrlLike(first)) {
    url = first;
  }
  if (url !== undefined) {
    const second = args[1];
    if (second !== null && typeof second === 'object') {
      options = second as RequestOptions;
      optionsIndex = 1;
    }
  } else if (first !== null && typeof first === 'object') {
    options = first as RequestOptions;
    optionsIndex = 0;
  }

  const agent = options?.agent as { protocol?: string; defaultPort?: number } | undefined | false;
  const protocol =
    options?.protocol || url?.protocol || (agent ? agent.protocol : undefined) || `${moduleScheme}:`;
  const scheme = protocol.endsWith(':') ? protocol.slice(0, -1) : protocol;
  const defaultPort = options?.defaultPort || (agent ? agent.defaultPort : undefined) || (scheme === 'https' ? 443 : 80);
  const rawMethod = options?.method;
  const method = rawMethod ? rawMethod.toUpperCase() : 'GET';
  const hostname = stripBrackets(options?.hostname || options?.host || url?.hostname || 'localhost');
  const port = Number(options?.port || url?.port || defaultPort);
  const path = options?.path || (url !== undefined ? `${url.pathname}${url.search}` : '/');
  const hasUserinfo = Boolean(options?.auth) || (url !== undefined && (url.username !== '' || url.password !== ''));
  return { method, scheme, hostname, port, path, hasUserinfo, optionsIndex, urlGiven: url !== undefined };
}

/** A copy of the options with the same prototype and property descriptors. */
function copyOptions(options: object): Record<string, unknown> {
  return Object.create(Object.getPrototypeOf(options), Object.getOwnPropertyDescriptors(options));
}

function mergeHeaders(appHeaders: unknown, injected: Record<string, string>): unknown {
  if (Array.isArray(appHeaders)) {
    // Node accepts [[name, value], …] and a flat [name, value, …] list: extend it in kind. Node
    // sends every entry of a list, so a `Traceparent` the app passes on (a proxy forwarding the
    // incoming headers) is dropped here; sent twice, it would make the receiver ignore both.
    const isInjected = (name: unknown): boolean => typeof name === 'string' && Object.hasOwn(injected, name.toLowerCase());
    if (appHeaders.length > 0 && Array.isArray(appHeaders[0])) {
      return [...appHeaders.filter((pair: unknown[]) => !isInjected(pair[0])), ...Object.entries(injected)];
    }
    // Node throws ERR_INVALID_ARG_VALUE, naming the app's list, for a flat list of odd length:
    // made even by ours it would throw another error instead.
    if (appHeaders.length % 2 !== 0) return appHeaders;
    const flat: unknown[] = [];
    for (let i = 0; i < appHeaders.length; i += 2) {
      if (!isInjected(appHeaders[i])) flat.push(appHeaders[i], appHeaders[i + 1]);
    }
    for (const name of Object.keys(injected)) flat.push(name, injected[name]);
    return flat;
  }
  // Our names come last: Node stores headers under their lower-cased name, so a stale
  // `Traceparent` from the app is replaced rather than sent twice.
  return Object.assign({}, appHeaders as OutgoingHttpHeaders | undefined, injected);
}

/**
 * The arguments to call Node with: the app's, with `injected` headers added to a copy of its
 * options, or in an options object of ours where it gave none. Where ours goes follows how each
 * module reads its arguments, so that Node does with them exactly what it would have done with
 * the app's (the same callback taken or ignored, the same error thrown):
 *
 * - `http`'s ClientRequest(input, options, cb) merges `options` into the URL's parts whatever it
 *   is (`Object.assign`), and without a URL takes `input` as the options and the next argument as
 *   the callback. So a slot that holds no options object (`(url, null, cb)`, `(undefined, cb)`) is
 *   replaced by ours, and only a callback right after the URL is moved one place on.
 * - `https.request(...args)` merges the argument after the URL only when it is truthy and not a
 *   function, and hands the rest to ClientRequest as they are: `https.request(url, null, cb)` drops
 *   the callback. So ours is inserted before a falsy argument or a function, keeping the app's
 *   arguments in the places Node reads them from.
 */
export function argsWithHeaders(
  args: ArrayLike<unknown>,
  target: OutgoingRequestTarget,
  injected: Record<string, string>,
  moduleScheme: 'http' | 'https',
): unknown[] {
  const copy = Array.prototype.slice.call(args) as unknown[];
  if (target.optionsIndex === -1) {
    const at = target.urlGiven ? 1 : 0;
    const slot = copy[at];
    const insert = moduleScheme === 'https' ? !slot || typeof slot === 'function' : target.urlGiven && typeof slot === 'function';
    if (insert) copy.splice(at, 0, { headers: injected });
    else copy[at] = { headers: injected };
    return copy;
  }
  const options = copy[target.optionsIndex] as { headers?: unknown };
  const headers = mergeHeaders(options.headers, injected);
  // A header list Node refuses (a flat list of odd length): the call goes as the app made it.
  if (headers === options.headers) return copy;
  const patched = copyOptions(options);
  Object.defineProperty(patched, 'headers', {
    value: headers,
    writable: true,
    enumerable: true,
    configurable: true,
  });
  copy[target.optionsIndex] = patched;
  return copy;
}
