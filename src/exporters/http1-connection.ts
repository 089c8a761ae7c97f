/**
 * OTLP POSTs to a plain `http:` endpoint, written on a kept-alive net.Socket and their answers
 * read here, without node:http's ClientRequest, IncomingMessage and HTTP parser.
 *
 * Why: node:http serves the app's requests with the same code that sends a client's
 * (OutgoingMessage's headers and writes, the parser's callbacks, IncomingMessage), and V8
 * optimises that code for the shapes it sees. An export's ClientRequest, even one per 512
 * requests, makes those sites see a second kind of object, and every one of the app's responses
 * then runs the slower, polymorphic code: on a node:http hello world, 22.8k → 17.0k added
 * instructions per request (callgrind, main thread) and about a fifth less CPU per request for
 * the agent, with the exports themselves the same. https endpoints keep using node:https.
 *
 * What an OTLP answer needs and no more: a status line, headers (their names lower-cased,
 * repeated ones joined with ", "), a body by Content-Length, chunked or up to the close, 1xx
 * answers skipped, at most MAX_RESPONSE_BODY_BYTES kept. Errors have the codes node:http gives
 * them, which the retry rules and the warnings read: ECONNRESET for an answer cut short or a
 * socket closed before it, HPE_INVALID_CONSTANT for an answer that is not HTTP/1.x.
 */
import type { Socket } from 'node:net';

export interface RawResponse {
  readonly statusCode: number;
  readonly headers: Record<string, string>;
  readonly body: Buffer;
}

export interface ConnectionCallbacks {
  onResponse(response: RawResponse): void;
  /** `stale`: a kept-alive socket the collector had closed before this request got a byte back. */
  onError(error: NodeJS.ErrnoException, stale: boolean): void;
  onWritten(): void;
}

/** The characters RFC 9110 allows in a header's name (a token) and in its value. */
const TOKEN = /^[!#$%&'*+.^_`|~0-9A-Za-z-]+$/;
const FIELD_VALUE = /^[\t\x20-\x7e\x80-\xff]*$/;

/**
 * The request's head up to the Content-Length, or undefined when a header cannot be written
 * as it is (node:http then refuses it with its own error, as before).
 */
export function requestHead(url: URL, headers: Readonly<Record<string, string>>): string | undefined {
  let head = `POST ${url.pathname}${url.search} HTTP/1.1\r\nhost: ${url.host}\r\nconnection: keep-alive\r\n`;
  for (const name of Object.keys(headers)) {
    const value = headers[name]!;
    const lower = name.toLowerCase();
    if (lower === 'host' || lower === 'connection' || lower === 'content-length' || lower === 'transfer-encoding') continue;
    if (!TOKEN.test(name) || typeof value !== 'string' || !FIELD_VALUE.test(value)) return undefined;
    head += `${name}: ${value}\r\n`;
  }
  return head;
}

function codedError(message: string, code: string): NodeJS.ErrnoException {
  return Object.assign(new Error(message), { code });
}

const CRLF_CRLF = Buffer.from('\r\n\r\n');

/** Reads one answer at a time from bytes as they arrive. */
class ResponseReader {
  private pending: Buffer = Buffer.alloc(0);
  private statusCode = 0;
  private headers: Record<string, string> = {};
  /** 'head' until the headers are in, then how the body ends. */
  private state: 'head' | 'length' | 'chunk-size' | 'chunk-data' | 'chunk-end' | 'trailers' | 'close' = 'head';
  private remaining = 0;
  private readonly bodyChunks: Buffer[] = [];
  private bodySize = 0;
  keepAlive = true;

  constructor(private readonly maxBody: number) {}

  /** Whether any byte of an answer has arrived. */
  get started(): boolean {
    return this.state !== 'head' || this.pending.length > 0 || this.statusCode !== 0;
  }

  /** Feeds bytes; returns the answer once complete, throws on what is not HTTP/1.x. */
  push(chunk: Buffer): RawResponse | undefined {
    this.pending = this.pending.length === 0 ? chunk : Buffer.concat([this.pending, chunk]);
    for (;;) {
      if (this.state === 'head') {
        if (this.pending.length >= 5 && this.pending.toString('latin1', 0, 5) !== 'HTTP/') throw codedError('Parse Error: Expected HTTP/', 'HPE_INVALID_CONSTANT');
        const end = this.pending.indexOf(CRLF_CRLF);
        if (end === -1) {
          if (this.pending.length > 64 * 1024) throw codedError('Parse Error: Header overflow', 'HPE_HEADER_OVERFLOW');
          return undefined;
        }
        const lines = this.pending.toString('latin1', 0, end).split('\r\n');
        this.pending = this.pending.subarray(end + 4);
        const status = /^HTTP\/1\.([01]) (\d{3})(?: |$)/.exec(lines[0]!);
        if (status === null) throw codedError('Parse Error: Invalid status line', 'HPE_INVALID_CONSTANT');
        const code = Number(status[2]);
        const headers: Record<string, string> = {};
        for (let i = 1; i < lines.length; i++) {
          const colon = lines[i]!.indexOf(':');
          if (colon <= 0) throw codedError('Parse Error: Invalid header', 'HPE_INVALID_HEADER_TOKEN');
          const name = lines[i]!.slice(0, colon).trim().toLowerCase();
          const value = lines[i]!.slice(colon + 1).trim();
          headers[name] = headers[name] === undefined ? value : `${headers[name]}, ${value}`;
        }
        // 100 Continue and the other informational answers come before the real one.
        if (code < 200) continue;
        this.statusCode = code;
        this.headers = headers;
        const connection = (headers.connection ?? '').toLowerCase();
        this.keepAlive = status[1] === '1' ? !connection.includes('close') : connection.includes('keep-alive');
        const length = headers['content-length'];
        if ((headers['transfer-encoding'] ?? '').toLowerCase().includes('chunked')) this.state = 'chunk-size';
        else if (code === 204 || code === 304) return this.complete();
        else if (length !== undefined) {
          if (!/^\d+$/.test(length)) throw codedError('Parse Error: Invalid content length', 'HPE_INVALID_CONTENT_LENGTH');
          this.remaining = Number(length);
          this.state = 'length';
        } else {
          this.state = 'close';
          this.keepAlive = false;
        }
        continue;
      }
      if (this.state === 'length') {
        const taken = this.take(this.remaining);
        this.remaining -= taken;
        if (this.remaining === 0) return this.complete();
        return undefined;
      }
      if (this.state === 'close') {
        this.take(this.pending.length);
        return undefined;
      }
      if (this.state === 'chunk-size' || this.state === 'trailers') {
        const end = this.pending.indexOf('\r\n');
        if (end === -1) return undefined;
        const line = this.pending.toString('latin1', 0, end);
        this.pending = this.pending.subarray(end + 2);
        if (this.state === 'trailers') {
          if (line === '') return this.complete();
          continue;
        }
        const size = Number.parseInt(line.split(';')[0]!.trim(), 16);
        if (!Number.isFinite(size) || size < 0) throw codedError('Parse Error: Invalid chunk size', 'HPE_INVALID_CHUNK_SIZE');
        this.remaining = size;
        this.state = size === 0 ? 'trailers' : 'chunk-data';
        continue;
      }
      if (this.state === 'chunk-data') {
        this.remaining -= this.take(this.remaining);
        if (this.remaining > 0) return undefined;
        this.state = 'chunk-end';
        continue;
      }
      // chunk-end: the CRLF after a chunk's data
      if (this.pending.length < 2) return undefined;
      this.pending = this.pending.subarray(2);
      this.state = 'chunk-size';
    }
  }

  /** The socket ended: the answer if its body runs to the close, else undefined (cut short). */
  end(): RawResponse | undefined {
    return this.state === 'close' ? this.complete() : undefined;
  }

  /** Whether the body kept so far reached the cap (the rest is not worth reading). */
  get full(): boolean {
    return this.bodySize >= this.maxBody;
  }

  /** The answer so far, cut at the cap: for when it is full. */
  partial(): RawResponse {
    this.keepAlive = false;
    return this.complete();
  }

  private take(wanted: number): number {
    const n = Math.min(wanted, this.pending.length);
    const room = this.maxBody - this.bodySize;
    if (room > 0 && n > 0) {
      const kept = this.pending.subarray(0, Math.min(n, room));
      this.bodyChunks.push(kept);
      this.bodySize += kept.length;
    }
    this.pending = this.pending.subarray(n);
    return n;
  }

  private complete(): RawResponse {
    const response = { statusCode: this.statusCode, headers: this.headers, body: Buffer.concat(this.bodyChunks, this.bodySize) };
    this.state = 'head';
    return response;
  }
}

/** One socket to one endpoint, one request at a time on it. */
class Connection {
  readonly socket: Socket;
  /** Requests sent on it so far: the second and later are on a kept-alive socket. */
  uses = 0;
  private reader: ResponseReader | undefined;
  private callbacks: ConnectionCallbacks | undefined;

  constructor(url: URL, private readonly onIdle: (connection: Connection) => void) {
    const net = require('node:net') as typeof import('node:net');
    this.socket = net.connect({ host: url.hostname.replace(/^\[|\]$/g, ''), port: Number(url.port || 80) });
    this.socket.unref();
    this.socket.setNoDelay(true);
    this.socket.on('data', (chunk: Buffer) => this.onData(chunk));
    this.socket.on('end', () => this.onEnd());
    this.socket.on('error', (error: NodeJS.ErrnoException) => this.fail(error));
    this.socket.on('close', () => this.fail(codedError('socket hang up', 'ECONNRESET')));
  }

  send(head: string, body: Uint8Array, maxBody: number, callbacks: ConnectionCallbacks): void {
    this.uses++;
    this.reader = new ResponseReader(maxBody);
    this.callbacks = callbacks;
    this.socket.cork();
    this.socket.write(`${head}content-length: ${body.byteLength}\r\n\r\n`, 'latin1');
    this.socket.write(body, () => this.callbacks === callbacks && callbacks.onWritten());
    this.socket.uncork();
  }

  destroy(): void {
    this.socket.destroy();
  }

  private onData(chunk: Buffer): void {
    const reader = this.reader;
    const callbacks = this.callbacks;
    if (reader === undefined || callbacks === undefined) {
      // Bytes nobody asked for (a collector that answers twice): this socket cannot be trusted.
      this.destroy();
      return;
    }
    let response: RawResponse | undefined;
    try {
      response = reader.push(chunk);
      if (response === undefined && reader.full) response = reader.partial();
    } catch (error) {
      this.fail(error as NodeJS.ErrnoException);
      return;
    }
    if (response === undefined) return;
    this.reader = undefined;
    this.callbacks = undefined;
    if (reader.keepAlive) this.onIdle(this);
    else this.destroy();
    callbacks.onResponse(response);
  }

  private onEnd(): void {
    const response = this.reader?.end();
    const callbacks = this.callbacks;
    if (response !== undefined && callbacks !== undefined) {
      this.reader = undefined;
      this.callbacks = undefined;
      callbacks.onResponse(response);
    }
    this.destroy();
  }

  private fail(error: NodeJS.ErrnoException): void {
    const callbacks = this.callbacks;
    const reader = this.reader;
    this.reader = undefined;
    this.callbacks = undefined;
    this.socket.destroy();
    if (callbacks === undefined) return;
    const cutShort = reader?.started === true;
    const stale = !cutShort && this.uses > 1 && (error.code === 'ECONNRESET' || error.code === 'EPIPE');
    callbacks.onError(cutShort && error.code === 'ECONNRESET' ? codedError('answer cut short', 'ECONNRESET') : error, stale);
  }
}

/**
 * The kept-alive sockets of one endpoint (an OtlpHttpTransport's), as node:http's keep-alive
 * agent kept them: a request takes an idle one or connects, and gives it back once answered.
 */
export class Http1Pool {
  private readonly idle: Connection[] = [];
  private readonly open = new Set<Connection>();

  private constructor(
    private readonly url: URL,
    /** Every request's head up to its Content-Length: the endpoint's headers do not change. */
    private readonly head: string,
  ) {}

  /** The pool for `url`, or undefined when `headers` cannot be written as they are (node:http then refuses them as before). */
  static create(url: URL, headers: Readonly<Record<string, string>>): Http1Pool | undefined {
    const head = requestHead(url, headers);
    return head === undefined ? undefined : new Http1Pool(url, head);
  }

  /** Sends one request; returns a handle that aborts it (the socket is destroyed). */
  post(body: Uint8Array, maxBody: number, callbacks: ConnectionCallbacks): { abort(): void } {
    let connection = this.idle.pop();
    while (connection !== undefined && connection.socket.destroyed) connection = this.idle.pop();
    if (connection === undefined) {
      connection = new Connection(this.url, (c) => {
        if (!c.socket.destroyed) this.idle.push(c);
      });
      const created = connection;
      this.open.add(created);
      created.socket.once('close', () => {
        this.open.delete(created);
        const at = this.idle.indexOf(created);
        if (at !== -1) this.idle.splice(at, 1);
      });
    }
    const used = connection;
    used.send(this.head, body, maxBody, callbacks);
    return { abort: () => used.destroy() };
  }

  destroy(): void {
    for (const connection of this.open) connection.destroy();
    this.idle.length = 0;
  }
}
