/**
 * A blocking POST for the process 'exit' path, where nothing asynchronous can complete.
 *
 * We run one short-lived Node process (sync-send-main.js) with spawnSync and feed it, on stdin,
 * one JSON header line (url, headers, timeout, TLS material, gRPC call) followed by the raw body.
 * The child does a single POST (or unary gRPC call) and exits 0 on a 2xx (or OK). spawnSync's own timeout is the hard bound: the
 * child is killed if it overruns, so the app's exit is delayed by at most timeoutMs.
 * The app's exit code is never touched: the child's status only decides what we log.
 */
import * as path from 'node:path';

export interface TlsMaterial {
  readonly ca?: Buffer;
  readonly key?: Buffer;
  readonly cert?: Buffer;
}

/** Present for OTLP/gRPC: the body is then the (maybe gzipped) message of one unary call. */
export interface SyncGrpcCall {
  readonly path: string;
  readonly compressed: boolean;
}

export interface SyncSendRequest {
  /** The full URL for HTTP; the server's origin for gRPC. */
  readonly url: string;
  /** HTTP headers, or gRPC metadata. */
  readonly headers: Readonly<Record<string, string>>;
  readonly tls: TlsMaterial;
  readonly grpc?: SyncGrpcCall;
}

/** The first line on the child's stdin. PEM material travels as text, never on the command line. */
export interface SyncSendHeader {
  readonly url: string;
  readonly headers: Readonly<Record<string, string>>;
  readonly timeoutMs: number;
  readonly ca?: string;
  readonly key?: string;
  readonly cert?: string;
  readonly grpc?: SyncGrpcCall;
}

export type SyncSendResult = { readonly ok: true } | { readonly ok: false; readonly reason: string };

// Through `..`: this code runs from dist/exporters/ (tsc's output) and from dist/agent/ (the
// preload's bundle), both one level under dist/.
export const SYNC_SEND_MAIN = path.join(__dirname, '..', 'exporters', 'sync-send-main.js');

/** Returns the env for the child: without NODE_OPTIONS, so it does not preload us again. */
function childEnv(): NodeJS.ProcessEnv {
  const env = { ...process.env };
  delete env.NODE_OPTIONS;
  return env;
}

export function sendSync(request: SyncSendRequest, body: Uint8Array, timeoutMs: number): SyncSendResult {
  if (!(timeoutMs > 0)) return { ok: false, reason: 'no time left to export' };
  const header: SyncSendHeader = {
    url: request.url,
    headers: request.headers,
    timeoutMs,
    ca: request.tls.ca?.toString('utf8'),
    key: request.tls.key?.toString('utf8'),
    cert: request.tls.cert?.toString('utf8'),
    grpc: request.grpc,
  };
  const input = Buffer.concat([Buffer.from(`${JSON.stringify(header)}\n`, 'utf8'), body]);
  // Loaded only here: this runs once, at process.exit(), and most processes never need it.
  const { spawnSync } = require('node:child_process') as typeof import('node:child_process');
  const child = spawnSync(process.execPath, [SYNC_SEND_MAIN], {
    input,
    timeout: Math.ceil(timeoutMs),
    killSignal: 'SIGKILL',
    env: childEnv(),
    stdio: ['pipe', 'ignore', 'pipe'],
    windowsHide: true,
    maxBuffer: 64 * 1024,
  });
  if (child.error) return { ok: false, reason: child.error.message };
  if (child.status === 0) return { ok: true };
  const said = child.stderr?.toString('utf8').trim().split('\n').pop();
  if (child.signal) return { ok: false, reason: `sender killed by ${child.signal} after ${timeoutMs} ms` };
  return { ok: false, reason: said || `sender exited with ${child.status}` };
}
