// An OTLP/HTTP trace receiver for tests: accepts http/protobuf (decoded by protobufjs from the
// official protos, independent of our encoder) and http/json, gzip or not, and collects
// normalized spans (see otlp-proto.mjs). Responses can be scripted to exercise retries.
import { createServer } from 'node:http';
import { createServer as createTlsServer } from 'node:https';
import { readFileSync } from 'node:fs';
import { gunzipSync } from 'node:zlib';
import {
  decodeTraceRequest,
  normalizeJsonRequest,
  normalizeProtoRequest,
} from './otlp-proto.mjs';
import { decodeMetricsJson, decodeMetricsProto } from './otlp-metrics.mjs';
import { listenOnLoopback } from './listen.mjs';
import { spanWaiters } from './span-waiters.mjs';

const PROTOBUF = 'application/x-protobuf';
const JSON_TYPE = 'application/json';

function decodeBody(body, contentType) {
  if (contentType === PROTOBUF) return normalizeProtoRequest(decodeTraceRequest(body));
  if (contentType === JSON_TYPE) return normalizeJsonRequest(JSON.parse(body.toString('utf8')));
  throw new Error(`unsupported content-type ${JSON.stringify(contentType)}`);
}

/**
 * @param {{ responses?: Array<{ status: number, headers?: Record<string,string>, body?: string|Buffer }> }} [options]
 *   answered in order for successive POSTs; afterwards every POST gets 200 and an empty
 *   ExportTraceServiceResponse in the request's content type.
 * @param {{ key: string, cert: string }} [options.tls] PEM files: listen for https (url is then
 *   https://localhost:PORT).
 * @param {number} [options.port] a port chosen beforehand (a collector that comes back), else any.
 */
export async function startReceiver({ responses = [], tls, metricsStatus = 200, port: wantedPort = 0 } = {}) {
  const script = [...responses];
  const spans = [];
  const requests = [];
  // POST /v1/metrics: decoded histograms per request ({ headers, contentType, metrics }), kept
  // apart from `requests` so that trace tests count trace exports only. `metricsStatus` 404
  // plays a backend that takes no metrics (Jaeger).
  const metricRequests = [];
  const { settle: settleWaiters, waitForSpans, rejectAll } = spanWaiters(spans, requests);

  function handle(req, res, body) {
    const contentType = (req.headers['content-type'] ?? '').split(';')[0].trim().toLowerCase();
    const contentEncoding = (req.headers['content-encoding'] ?? '').toLowerCase();
    const record = { path: req.url, headers: req.headers, contentType, contentEncoding, status: 0, spanCount: 0 };
    requests.push(record);

    let received;
    try {
      const raw = contentEncoding === 'gzip' ? gunzipSync(body) : body;
      received = decodeBody(raw, contentType);
      record.spanCount = received.length;
    } catch (err) {
      record.status = 400;
      record.error = err.message;
      res.writeHead(400, { 'content-type': 'text/plain' }).end(`bad request: ${err.message}`);
      return;
    }

    const scripted = script.shift();
    if (scripted) {
      record.status = scripted.status;
      res.writeHead(scripted.status, scripted.headers ?? {}).end(scripted.body ?? '');
    } else {
      record.status = 200;
      // An empty ExportTraceServiceResponse: zero bytes in protobuf, `{}` in JSON.
      res.writeHead(200, { 'content-type': contentType || PROTOBUF });
      res.end(contentType === JSON_TYPE ? '{}' : Buffer.alloc(0));
    }
    if (record.status >= 200 && record.status < 300) {
      spans.push(...received);
      settleWaiters();
    }
  }

  function handleMetrics(req, res, body) {
    const contentType = (req.headers['content-type'] ?? '').split(';')[0].trim().toLowerCase();
    const record = { headers: req.headers, contentType, metrics: [] };
    if (metricsStatus !== 200) {
      metricRequests.push(record);
      res.writeHead(metricsStatus, { 'content-type': 'text/plain' }).end('404 page not found');
      return;
    }
    try {
      const raw = (req.headers['content-encoding'] ?? '') === 'gzip' ? gunzipSync(body) : body;
      record.metrics = contentType === JSON_TYPE ? decodeMetricsJson(raw.toString('utf8')) : decodeMetricsProto(raw);
    } catch (err) {
      record.error = err.message;
      res.writeHead(400, { 'content-type': 'text/plain' }).end(`bad request: ${err.message}`);
      return;
    }
    metricRequests.push(record);
    res.writeHead(200, { 'content-type': contentType || PROTOBUF }).end(contentType === JSON_TYPE ? '{}' : Buffer.alloc(0));
    settleWaiters();
  }

  const onRequest = (req, res) => {
    if (req.method !== 'POST') {
      res.writeHead(405, { allow: 'POST' }).end();
      return;
    }
    const chunks = [];
    req.on('data', (chunk) => chunks.push(chunk));
    req.on('end', () => (req.url.endsWith('/v1/metrics') ? handleMetrics : handle)(req, res, Buffer.concat(chunks)));
  };
  const server = tls
    ? createTlsServer({ key: readFileSync(tls.key), cert: readFileSync(tls.cert) }, onRequest)
    : createServer(onRequest);

  const { port, url } = await listenOnLoopback(server, { tls: Boolean(tls), port: wantedPort });

  async function close() {
    rejectAll();
    server.closeAllConnections?.();
    await new Promise((resolve) => server.close(() => resolve()));
  }

  /** Resolves once predicate(metricRequests) holds; re-checked on every metrics export. */
  function waitForMetrics(predicate, { timeoutMs = 20000 } = {}) {
    return waitForSpans(() => predicate(metricRequests), { timeoutMs }).then(() => metricRequests);
  }

  return { port, url, tracesUrl: `${url}/v1/traces`, spans, requests, metricRequests, waitForSpans, waitForMetrics, close };
}
