/**
 * OTEL_METRICS_EXPORTER=prometheus: a pull endpoint (GET /metrics on OTEL_EXPORTER_PROMETHEUS_HOST
 * : _PORT, default localhost:9464) serving the registry in the text format (./prometheus-text.ts).
 *
 * Its server is never traced: it listens inside a context with tracing suppressed, and every
 * connection, so every request, inherits that context (our http instrumentation skips requests
 * emitted in it). It never holds the process open (unref'd), and a port it cannot take is one
 * warning, never a crash.
 */
import * as http from 'node:http';
import { ROOT_CONTEXT, context } from '@opentelemetry/api';
import { log } from '../log';
import type { MetricsRegistry } from '../metrics/registry';
import { suppressTracing } from '../sdk/suppress-tracing';
import { prometheusText } from './prometheus-text';

export const PROMETHEUS_CONTENT_TYPE = 'text/plain; version=0.0.4; charset=utf-8';

export function servePrometheus(registry: MetricsRegistry, host: string, port: number): http.Server {
  const server = http.createServer((req, res) => {
    try {
      const path = (req.url ?? '/').split('?')[0];
      if (req.method !== 'GET' && req.method !== 'HEAD') {
        res.writeHead(405, { allow: 'GET, HEAD' }).end();
        return;
      }
      if (path !== '/metrics') {
        res.writeHead(404, { 'content-type': 'text/plain' }).end('not found: the metrics are at /metrics\n');
        return;
      }
      const body = prometheusText(registry.collect('cumulative'));
      res.writeHead(200, { 'content-type': PROMETHEUS_CONTENT_TYPE, 'content-length': Buffer.byteLength(body) });
      res.end(req.method === 'HEAD' ? undefined : body);
    } catch (err) {
      log.errorOnce('OTELI_E_PROMETHEUS', 'serving Prometheus metrics failed', err);
      if (!res.headersSent) res.writeHead(500).end();
    }
  });
  const cannotListen = (err: NodeJS.ErrnoException): void =>
    log.warnOnce('OTELI_W_PROMETHEUS_LISTEN', `cannot serve Prometheus metrics on ${host}:${port}: ${err.code ?? err.message}`);
  server.on('error', cannotListen);
  try {
    context.with(suppressTracing(ROOT_CONTEXT), () => server.listen(port, host));
  } catch (err) {
    // What listen() rejects at once (an argument Node finds invalid) must not stop the agent.
    cannotListen(err as NodeJS.ErrnoException);
  }
  server.unref();
  return server;
}
