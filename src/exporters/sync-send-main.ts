/**
 * Standalone entry run by sync-send.ts: read the header line and body from stdin, POST once (or
 * make one unary gRPC call), exit 0 on a 2xx (or OK) and 1 otherwise (with a one-line reason on
 * stderr).
 * It runs without NODE_OPTIONS, so no preload and no instrumentation load in here.
 */
import * as http from 'node:http';
import * as https from 'node:https';
import { bodySnippet, describeFailure, isSuccess, sendOnce } from './http-transport';
import type { SyncSendHeader } from './sync-send';

function readStdin(): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    process.stdin.on('data', (chunk: Buffer) => chunks.push(chunk));
    process.stdin.on('end', () => resolve(Buffer.concat(chunks)));
    process.stdin.on('error', reject);
  });
}

async function main(): Promise<number> {
  const input = await readStdin();
  const newline = input.indexOf(0x0a);
  if (newline < 0) throw new Error('no header line on stdin');
  const header = JSON.parse(input.toString('utf8', 0, newline)) as SyncSendHeader;
  const body = input.subarray(newline + 1);
  const url = new URL(header.url);

  // sendOnce unrefs its socket and timer; this ref'd timer keeps us alive and bounds the run.
  const guard = setTimeout(() => {
    process.stderr.write(`no answer from ${url.origin} within ${header.timeoutMs} ms\n`);
    process.exit(1);
  }, header.timeoutMs);

  if (header.grpc !== undefined) return callOnce(header, url, body, guard);
  const agent =
    url.protocol === 'https:'
      ? new https.Agent({ ca: header.ca, key: header.key, cert: header.cert })
      : new http.Agent();
  const outcome = await sendOnce({ url, agent, headers: header.headers }, body, header.timeoutMs);
  clearTimeout(guard);
  if (isSuccess(outcome)) return 0;
  const snippet = outcome.kind === 'response' ? bodySnippet(outcome.body, 120) : '';
  process.stderr.write(`${describeFailure(outcome)}${snippet ? `: ${snippet}` : ''}\n`);
  return 1;
}

function pemMaterial(header: SyncSendHeader): { ca?: Buffer; key?: Buffer; cert?: Buffer } {
  const material: { ca?: Buffer; key?: Buffer; cert?: Buffer } = {};
  if (header.ca !== undefined) material.ca = Buffer.from(header.ca, 'utf8');
  if (header.key !== undefined) material.key = Buffer.from(header.key, 'utf8');
  if (header.cert !== undefined) material.cert = Buffer.from(header.cert, 'utf8');
  return material;
}

/** The gRPC transport is loaded only for a gRPC export, with node:http2. */
async function callOnce(header: SyncSendHeader, origin: URL, message: Buffer, guard: NodeJS.Timeout): Promise<number> {
  const { GrpcChannel, GRPC_STATUS, describeCallFailure } = require('./grpc-transport') as typeof import('./grpc-transport');
  const { USER_AGENT } = require('./user-agent') as typeof import('./user-agent');
  const channel = new GrpcChannel(origin, pemMaterial(header));
  const call = { path: header.grpc!.path, metadata: header.headers, userAgent: USER_AGENT, message, compressed: header.grpc!.compressed };
  const outcome = await channel.call(call, header.timeoutMs);
  clearTimeout(guard);
  channel.close();
  if (outcome.kind === 'status' && outcome.code === GRPC_STATUS.OK) return 0;
  const said = outcome.kind === 'status' && outcome.message !== '' ? `: ${outcome.message.slice(0, 120)}` : '';
  process.stderr.write(`${describeCallFailure(outcome)}${said}\n`);
  return 1;
}

main().then(
  (code) => process.exit(code),
  (err: unknown) => {
    process.stderr.write(`${err instanceof Error ? err.message : String(err)}\n`);
    process.exit(1);
  },
);
