// An OTLP/gRPC trace receiver for tests, the independent oracle for our gRPC exporter (which
// speaks node:http2 itself): @grpc/grpc-js serves the official TraceService from the protos that
// dd-trace vendors, and the request bytes are decoded by otlp-proto.mjs, so spans come out in
// exactly the shape the HTTP receiver gives. Responses can be scripted (status codes, RetryInfo,
// partial success) to exercise retries.
//
// startRawGrpcServer below is a bare node:http2 server for what grpc-js cannot produce or hides:
// trailers-only answers, calls that never answer, malformed frames.
//
// What grpc-js hides (1.14): call.metadata has no pseudo-headers and is stripped of grpc-timeout,
// grpc-encoding, grpc-accept-encoding, accept-encoding, te and content-type (user-agent and custom
// metadata stay). The message reaches us already gunzipped. So every request record also carries
// `headers`, the raw HTTP/2 request headers, captured through one grpc-js internal (see
// hookRawHeaders); the raw server records them directly.
import { readFileSync } from 'node:fs';
import { createServer as createHttp2Server, createSecureServer as createHttp2SecureServer } from 'node:http2';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { gunzipSync } from 'node:zlib';
import { decodeMetricsProto } from './otlp-metrics.mjs';
import { decodeTraceRequest, normalizeProtoRequest } from './otlp-proto.mjs';
import { listenOnLoopback } from './listen.mjs';
import { spanWaiters } from './span-waiters.mjs';

const require = createRequire(import.meta.url);
const grpc = require('@grpc/grpc-js');
const protoLoader = require('@grpc/proto-loader');
const protobuf = require('protobufjs');

// The same vendored directory otlp-proto.mjs checks and loads from.
const protoDir = join(
  dirname(require.resolve('dd-trace/package.json')),
  'packages/dd-trace/src/opentelemetry/otlp',
);

export const TRACE_EXPORT_PATH = '/opentelemetry.proto.collector.trace.v1.TraceService/Export';
export const METRICS_EXPORT_PATH = '/opentelemetry.proto.collector.metrics.v1.MetricsService/Export';

// proto-loader supplies the service shape (paths, response serializers); requests are kept as
// raw bytes so that protobufjs in otlp-proto.mjs, not proto-loader's conversion, decodes them.
const definitions = protoLoader.loadSync(['trace_service.proto', 'metrics_service.proto'], {
  includeDirs: [protoDir],
});
function withRawRequests(service) {
  return Object.fromEntries(
    Object.entries(service).map(([name, method]) => [name, { ...method, requestDeserialize: (bytes) => bytes }]),
  );
}
const TraceService = withRawRequests(definitions['opentelemetry.proto.collector.trace.v1.TraceService']);
const MetricsService = withRawRequests(definitions['opentelemetry.proto.collector.metrics.v1.MetricsService']);

// google.rpc.Status / RetryInfo, the payload of grpc-status-details-bin. Four tiny messages are
// not worth vendoring googleapis' protos for; field numbers are from google/rpc/*.proto.
const rpcRoot = protobuf.Root.fromJSON({
  nested: {
    google: {
      nested: {
        protobuf: {
          nested: {
            Any: { fields: { type_url: { type: 'string', id: 1 }, value: { type: 'bytes', id: 2 } } },
            Duration: { fields: { seconds: { type: 'int64', id: 1 }, nanos: { type: 'int32', id: 2 } } },
          },
        },
        rpc: {
          nested: {
            Status: {
              fields: {
                code: { type: 'int32', id: 1 },
                message: { type: 'string', id: 2 },
                details: { rule: 'repeated', type: 'google.protobuf.Any', id: 3 },
              },
            },
            RetryInfo: { fields: { retry_delay: { type: 'google.protobuf.Duration', id: 1 } } },
          },
        },
      },
    },
  },
});
const RpcStatus = rpcRoot.lookupType('google.rpc.Status');
const RetryInfo = rpcRoot.lookupType('google.rpc.RetryInfo');
const RETRY_INFO_TYPE_URL = 'type.googleapis.com/google.rpc.RetryInfo';

/** A serialized google.rpc.Status, with one RetryInfo detail when `retryDelayMs` is given. */
export function encodeStatusDetails({ code, message = '', retryDelayMs }) {
  const details = [];
  if (retryDelayMs !== undefined) {
    const retry_delay = { seconds: Math.floor(retryDelayMs / 1000), nanos: (retryDelayMs % 1000) * 1e6 };
    details.push({ type_url: RETRY_INFO_TYPE_URL, value: RetryInfo.encode({ retry_delay }).finish() });
  }
  return Buffer.from(RpcStatus.encode({ code, message, details }).finish());
}

/** The inverse, for assertions: `{ code, message, retryDelayMs?, typeUrls }`. */
export function decodeStatusDetails(bytes) {
  const status = RpcStatus.decode(bytes);
  const out = { code: status.code, message: status.message, typeUrls: status.details.map((d) => d.type_url) };
  const retry = status.details.find((d) => d.type_url === RETRY_INFO_TYPE_URL);
  if (retry) {
    const { retry_delay: delay } = RetryInfo.decode(retry.value);
    out.retryDelayMs = Number(delay?.seconds ?? 0) * 1000 + (delay?.nanos ?? 0) / 1e6;
  }
  return out;
}

// Tags each call's raw headers so the unary handler can find them: grpc-js copies every
// non-pseudo header into call.metadata, including this one.
const CALL_ID_HEADER = 'x-test-receiver-call-id';
let nextCallId = 0;
const rawHeadersByCallId = new Map();

// grpc-js exposes no hook on its http2 servers; `http2Servers` (private: a Map from each
// node:http2 server to { sessions }) is the one internal this file relies on, here and in
// goaway(). Fail loudly if it moves, rather than record requests without the headers tests
// assert on.
function hookRawHeaders(server) {
  const http2Servers = server.http2Servers;
  if (!(http2Servers instanceof Map) || http2Servers.size === 0) {
    throw new Error('otlp-grpc-receiver: @grpc/grpc-js internals changed (Server#http2Servers); cannot capture raw request headers');
  }
  for (const http2Server of http2Servers.keys()) {
    // Prepended, so the headers are copied and tagged before grpc-js reads them.
    http2Server.prependListener('stream', (_stream, headers) => {
      const id = String(++nextCallId);
      rawHeadersByCallId.set(id, Object.fromEntries(Object.entries(headers)));
      headers[CALL_ID_HEADER] = id;
    });
  }
}

/** `{ headers, metadata }` of a call: the raw HTTP/2 headers and what grpc-js shows as metadata. */
function takeHeaders(call) {
  const metadata = {};
  for (const [key, value] of Object.entries(call.metadata.getMap())) {
    metadata[key] = Buffer.isBuffer(value) ? value.toString('base64') : String(value);
  }
  const id = metadata[CALL_ID_HEADER];
  delete metadata[CALL_ID_HEADER];
  const headers = rawHeadersByCallId.get(id);
  rawHeadersByCallId.delete(id);
  return { headers, metadata };
}

/**
 * @param {object} [options]
 * @param {Array<{ code: number, details?: string, retryDelayMs?: number,
 *   partial?: { rejectedSpans: number, errorMessage: string } }>} [options.responses]
 *   answered in order for successive trace Exports (grpc.status numbers; 0 = OK, optionally with
 *   partial success; otherwise an error whose trailers carry a RetryInfo when retryDelayMs is
 *   given). Afterwards every Export gets OK and an empty ExportTraceServiceResponse.
 * @param {{ key: string, cert: string, ca?: string }} [options.tls] PEM files: serve TLS (url is
 *   then https://localhost:PORT); with `ca`, client certificates are required and verified
 *   against it (mTLS).
 */
export async function startGrpcReceiver({ responses = [], tls, port = 0, host = '127.0.0.1', metrics = true } = {}) {
  const script = [...responses];
  const spans = [];
  const requests = [];
  const metricRequests = [];
  const { settle: settleWaiters, waitForSpans, rejectAll } = spanWaiters(spans, requests);

  function exportTraces(call, callback) {
    const record = {
      path: TRACE_EXPORT_PATH,
      receivedAt: Date.now(), // to measure the client's retry delays
      ...takeHeaders(call),
      spanCount: 0,
      code: grpc.status.OK,
    };
    requests.push(record);

    let received;
    try {
      received = normalizeProtoRequest(decodeTraceRequest(call.request));
      record.spanCount = received.length;
    } catch (err) {
      record.code = grpc.status.INVALID_ARGUMENT;
      record.error = err.message;
      callback({ code: record.code, details: `bad request: ${err.message}` });
      return;
    }

    const scripted = script.shift() ?? { code: grpc.status.OK };
    record.code = scripted.code;
    if (scripted.code !== grpc.status.OK) {
      const metadata = new grpc.Metadata();
      if (scripted.retryDelayMs !== undefined) {
        const { code, details: message, retryDelayMs } = scripted;
        metadata.set('grpc-status-details-bin', encodeStatusDetails({ code, message, retryDelayMs }));
      }
      callback({ code: scripted.code, details: scripted.details ?? '', metadata });
      return;
    }
    // Like a 2xx in the HTTP receiver: a partial success still keeps every span it was sent.
    callback(null, scripted.partial ? { partialSuccess: scripted.partial } : {});
    spans.push(...received);
    settleWaiters();
  }

  // Metrics Exports neither consume the script nor appear in `requests`: traces are what the
  // retry tests drive; metrics only need to arrive.
  function exportMetrics(call, callback) {
    try {
      metricRequests.push({ metadata: takeHeaders(call).metadata, metrics: decodeMetricsProto(call.request) });
    } catch (err) {
      callback({ code: grpc.status.INVALID_ARGUMENT, details: `bad request: ${err.message}` });
      return;
    }
    callback(null, {});
  }

  const credentials = tls
    ? grpc.ServerCredentials.createSsl(
        tls.ca ? readFileSync(tls.ca) : null,
        [{ private_key: readFileSync(tls.key), cert_chain: readFileSync(tls.cert) }],
        Boolean(tls.ca),
      )
    : grpc.ServerCredentials.createInsecure();

  async function listen(onPort) {
    const server = new grpc.Server();
    server.addService(TraceService, { Export: exportTraces });
    // Without it, grpc-js answers metric exports UNIMPLEMENTED, as a traces-only backend does.
    if (metrics) server.addService(MetricsService, { Export: exportMetrics });
    try {
      const bound = await new Promise((resolve, reject) => {
        server.bindAsync(`${host}:${onPort}`, credentials, (err, p) => (err ? reject(err) : resolve(p)));
      });
      hookRawHeaders(server);
      return { server, port: bound };
    } catch (err) {
      server.forceShutdown();
      throw err;
    }
  }

  let current = await listen(port);
  const boundPort = current.port;
  const url = tls ? `https://localhost:${boundPort}` : `http://127.0.0.1:${boundPort}`;

  /**
   * A collector restart: every connection is dropped (in-flight calls fail) and a fresh server
   * listens on the same port. Spans, requests and the rest of the script are kept. As with a
   * real restart, a client that has not yet read the dropped connection can see its next call
   * fail (grpc-js clients: CANCELLED).
   */
  async function restart() {
    current.server.forceShutdown();
    // The old listening socket closes asynchronously, so the port can be busy for a moment.
    for (let attempt = 1; ; attempt++) {
      try {
        current = await listen(boundPort);
        return;
      } catch (err) {
        if (attempt >= 50 || !/EADDRINUSE/.test(err.message)) throw err;
        await sleep(100);
      }
    }
  }

  /**
   * A graceful collector-side connection shutdown: grpc-js's public Server#drain sends GOAWAY
   * (NO_ERROR, last processed stream) on every current connection, lets in-flight calls finish,
   * destroys what is left after `graceMs`, and keeps listening, so clients must reconnect.
   * Resolves with the number of connections drained, once they have all closed.
   */
  async function goaway({ graceMs = 5000 } = {}) {
    const sessions = [];
    for (const info of current.server.http2Servers.values()) sessions.push(...info.sessions);
    const closed = sessions.map((s) => (s.closed || s.destroyed ? null : new Promise((r) => s.once('close', r))));
    current.server.drain(`${host}:${boundPort}`, graceMs);
    await Promise.all(closed);
    return sessions.length;
  }

  async function close() {
    rejectAll();
    current.server.forceShutdown();
  }

  return {
    port: boundPort,
    url,
    spans,
    requests,
    metricRequests,
    waitForSpans,
    close,
    restart,
    goaway,
  };
}

// --- a raw node:http2 gRPC server ---------------------------------------------------------

/** One length-prefixed gRPC message (uncompressed). */
export function frameMessage(message = Buffer.alloc(0)) {
  const prefix = Buffer.alloc(5);
  prefix.writeUInt32BE(message.length, 1);
  return Buffer.concat([prefix, message]);
}

// The first message of a unary request body, gunzipped if its compressed flag says so.
function unframe(body, encoding) {
  if (body.length < 5) throw new Error(`body of ${body.length} bytes has no gRPC message prefix`);
  const length = body.readUInt32BE(1);
  const payload = body.subarray(5, 5 + length);
  if (payload.length < length) throw new Error(`message truncated: ${payload.length} of ${length} bytes`);
  if (body[0] === 0) return payload;
  if (body[0] === 1 && encoding === 'gzip') return gunzipSync(payload);
  throw new Error(`compressed flag ${body[0]} with grpc-encoding ${JSON.stringify(encoding)}`);
}

/**
 * A bare HTTP/2 server that answers only what `handler(stream, headers, body, call)` writes
 * (use answerOk / answerTrailersOnly / never, or the stream directly). The handler runs once the
 * request body has ended. Each call is recorded as
 * `{ headers, body, message, spans, error?, receivedAt, session }`: the raw request headers, the
 * raw DATA bytes (prefix + message), the decoded message bytes, for trace Exports the
 * normalized spans, and the node:http2 session it came on.
 * @param {{ key: string, cert: string, ca?: string }} [options.tls] as for startGrpcReceiver.
 */
export async function startRawGrpcServer({ handler = answerOk, tls } = {}) {
  const calls = [];
  const sessions = new Set();

  const onStream = (stream, headers) => {
    // Clients resetting streams (deadlines, cancellation) are what these tests provoke.
    stream.on('error', () => {});
    const chunks = [];
    stream.on('data', (chunk) => chunks.push(chunk));
    stream.on('end', () => {
      const body = Buffer.concat(chunks);
      const call = {
        headers: Object.fromEntries(Object.entries(headers)),
        body,
        message: undefined,
        spans: undefined,
        receivedAt: Date.now(),
        session: stream.session, // tells connections apart, e.g. after a GOAWAY
      };
      try {
        call.message = unframe(body, headers['grpc-encoding']);
        if (headers[':path'] === TRACE_EXPORT_PATH) call.spans = normalizeProtoRequest(decodeTraceRequest(call.message));
      } catch (err) {
        call.error = err.message;
      }
      calls.push(call);
      Promise.resolve()
        .then(() => handler(stream, headers, body, call))
        .catch((err) => {
          if (!stream.headersSent && !stream.destroyed) answerTrailersOnly(stream, grpc.status.INTERNAL, err.message);
        });
    });
  };

  const server = tls
    ? createHttp2SecureServer({
        key: readFileSync(tls.key),
        cert: readFileSync(tls.cert),
        ...(tls.ca ? { ca: readFileSync(tls.ca), requestCert: true, rejectUnauthorized: true } : {}),
      })
    : createHttp2Server();
  server.on('stream', onStream);
  server.on('session', (session) => {
    sessions.add(session);
    session.on('error', () => {});
    session.once('close', () => sessions.delete(session));
  });

  const { port, url } = await listenOnLoopback(server, { tls: Boolean(tls) });

  async function close() {
    for (const session of sessions) session.destroy();
    await new Promise((resolve) => server.close(() => resolve()));
  }

  return { port, url, calls, close, server };
}

/**
 * 200 with one message (default: an empty response) and trailers grpc-status 0. Usable as the
 * handler itself: its second argument is then the headers, which are ignored.
 */
export function answerOk(stream, message) {
  if (stream.destroyed) return;
  stream.respond({ ':status': 200, 'content-type': 'application/grpc' }, { waitForTrailers: true });
  stream.once('wantTrailers', () => stream.sendTrailers({ 'grpc-status': '0' }));
  stream.end(frameMessage(Buffer.isBuffer(message) ? message : Buffer.alloc(0)));
}

// grpc-message is percent-encoded UTF-8: anything outside printable ASCII, and '%' itself.
function percentEncode(text) {
  return Array.from(Buffer.from(text, 'utf8'), (byte) =>
    byte >= 0x20 && byte <= 0x7e && byte !== 0x25
      ? String.fromCharCode(byte)
      : `%${byte.toString(16).toUpperCase().padStart(2, '0')}`,
  ).join('');
}

/**
 * A Trailers-Only answer: one HEADERS frame carrying the status, then end of stream, which is
 * how servers fail a call before any message. `extra` headers are added verbatim; a Buffer value
 * of a `-bin` key (e.g. encodeStatusDetails(...)) is base64-encoded.
 */
export function answerTrailersOnly(stream, code, message = '', extra = {}) {
  if (stream.destroyed) return;
  const headers = { ':status': 200, 'content-type': 'application/grpc', 'grpc-status': String(code) };
  if (message) headers['grpc-message'] = percentEncode(message);
  for (const [key, value] of Object.entries(extra)) {
    headers[key] = Buffer.isBuffer(value) && key.endsWith('-bin') ? value.toString('base64') : value;
  }
  stream.respond(headers, { endStream: true });
}

/** Answers nothing: the call hangs until the client's deadline or cancellation ends it. */
export function never() {}

/** The tutorial's flags, with the Node names: the endpoint is a Collector's gRPC port on 127.0.0.1. */
export const TUTORIAL_FLAGS = Object.freeze([
  '--service_name', 'order-service',
  '--traces_exporter', 'otlp',
  '--metrics_exporter', 'otlp',
  '--exporter_otlp_endpoint', 'http://127.0.0.1:4317',
]);

/**
 * A receiver on 127.0.0.1:4317, closed after the test; undefined (and the test skipped, saying
 * why) when this machine has the port taken.
 */
export async function startGrpcReceiverOnPort4317(t) {
  let receiver;
  try {
    receiver = await startGrpcReceiver({ port: 4317 });
  } catch (err) {
    t.skip(`port 4317 of 127.0.0.1 is taken on this machine (${err.message})`);
    return undefined;
  }
  t.after(() => receiver.close());
  return receiver;
}
