// The app runs another tracing agent, dd-trace or elastic-apm-node. Both patch http and listen to
// undici's channels themselves: with ours on too, one request would get two SERVER and two CLIENT
// spans, and two competing parents injected downstream. Once such an agent traces, ours stands
// down, one OTELI_W_FOREIGN_AGENT line says so, and the agent's tracing is exactly as without us.
// An agent that is only loaded, or turned off, traces nothing: then ours carries on, silently.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import http from 'node:http';
import { gunzipSync } from 'node:zlib';
import { join } from 'node:path';
import { httpGet } from '../helpers/http-get.mjs';
import { startReceiver } from '../helpers/otlp-receiver.mjs';
import { spawnCli, receiverEnv, FIXTURES } from '../helpers/run-cli.mjs';
import { drawTree } from '../helpers/trace-tree.mjs';

const APP = join(FIXTURES, 'foreign-sdk', 'agent-app.cjs');
const warnings = (stderr) => stderr.split('\n').filter((l) => /OTELI_[WE]_/.test(l));

/** A stand-in for the agent's own backend (Datadog agent, APM Server) that keeps what it gets. */
async function startAgentBackend(t) {
  const received = [];
  const server = http.createServer((req, res) => {
    const chunks = [];
    req.on('data', (c) => chunks.push(c));
    req.on('end', () => {
      const raw = Buffer.concat(chunks);
      const body = req.headers['content-encoding'] === 'gzip' ? gunzipSync(raw) : raw;
      received.push({ method: req.method, url: req.url, body: body.toString('latin1') });
      res.setHeader('content-type', 'application/json');
      res.end(req.url.includes('traces') ? '{"rate_by_service":{}}' : '{}');
    });
  });
  await new Promise((resolve) => server.listen(0, '127.0.0.1', resolve));
  t.after(() => server.close());
  return { url: `http://127.0.0.1:${server.address().port}`, received };
}

const AGENTS = {
  'dd-trace': {
    preload: 'dd-trace/init',
    /** Quiet and local: the stand-in agent, no telemetry, remote config or profiler. */
    env: (backend) => ({
      DD_TRACE_AGENT_URL: backend.url,
      DD_SERVICE: 'dd-app',
      DD_TRACE_STARTUP_LOGS: 'false',
      DD_INSTRUMENTATION_TELEMETRY_ENABLED: 'false',
      DD_REMOTE_CONFIGURATION_ENABLED: 'false',
      DD_RUNTIME_METRICS_ENABLED: 'false',
      DD_PROFILING_ENABLED: 'false',
    }),
    off: { DD_TRACE_ENABLED: 'false' },
    /** Its own header, and one traceparent whose trace id's low 64 bits are x-datadog-trace-id. */
    injected: (headers) => {
      if (!/^\d+$/.test(headers['x-datadog-trace-id'] ?? '')) return false;
      const low = BigInt(headers['x-datadog-trace-id']).toString(16).padStart(16, '0');
      return headers.traceparent?.split('-')[1].slice(16) === low;
    },
    /** Its spans reached its agent (msgpack: operation names are plain strings). */
    exported: (received) => {
      const payload = received.filter((r) => /^\/v0\.\d\/traces$/.test(r.url)).map((r) => r.body).join('');
      return payload.includes('web.request') && payload.includes('http.request');
    },
  },
  'elastic-apm-node': {
    preload: 'elastic-apm-node/start',
    env: (backend) => ({
      ELASTIC_APM_SERVER_URL: backend.url,
      ELASTIC_APM_SERVICE_NAME: 'elastic-app',
      ELASTIC_APM_CENTRAL_CONFIG: 'false',
      ELASTIC_APM_METRICS_INTERVAL: '0s',
      ELASTIC_APM_CLOUD_PROVIDER: 'none',
      ELASTIC_APM_LOG_LEVEL: 'off',
    }),
    off: { ELASTIC_APM_ACTIVE: 'false' },
    /** A traceparent with elastic's own tracestate member. */
    injected: (headers) => /^00-[0-9a-f]{32}-[0-9a-f]{16}-01$/.test(headers.traceparent ?? '') && /(^|,)es=/.test(headers.tracestate ?? ''),
    /** Its transaction and spans reached the stand-in APM Server's intake. */
    exported: (received) => {
      const events = received.filter((r) => r.url.startsWith('/intake/v2/events')).map((r) => r.body).join('\n');
      return events.includes('"transaction"') && events.includes('"span"');
    },
  },
};

function runApp(t, backend, receiver, { name, start, nodeArgs = [], extraEnv = {} }) {
  return spawnCli(['node', ...nodeArgs, APP], {
    env: receiverEnv(receiver, { REQUESTS: '1', AGENT: name, AGENT_START: start, ...AGENTS[name].env(backend), ...extraEnv }),
  });
}

for (const [name, agent] of Object.entries(AGENTS)) {
  for (const [how, start, nodeArgs] of [
    ['started by the app', 'start', []],
    [`preloaded with --require ${agent.preload}`, 'preloaded', ['--require', agent.preload]],
  ]) {
    test(`${name} ${how}: one warning, our http, fetch, express, fastify and pg stand down, ${name} traces alone`, async (t) => {
      const backend = await startAgentBackend(t);
      const receiver = await startReceiver();
      t.after(() => receiver.close());
      const child = runApp(t, backend, receiver, { name, start, nodeArgs });
      const [, port] = await child.waitForOutput(/listening (\d+)/);
      const response = await httpGet(Number(port), '/');
      assert.equal(response.status, 200);
      const run = await child.result;
      assert.equal(run.code, 0, run.stderr);

      // Nothing of ours, not even for the agent's own calls to its backend (the child flushed
      // before it exited, so receiver.spans is complete).
      assert.deepEqual(receiver.spans.map((s) => `${s.name} (${s.kind})`), []);
      const lines = warnings(run.stderr);
      assert.equal(lines.length, 1, run.stderr);
      assert.match(
        lines[0],
        new RegExp(`^\\[otel-instrument\\] warn OTELI_W_FOREIGN_AGENT: the app starts another tracing agent, ${name}@\\d+\\.\\d+\\.\\d+: otel-instrument's http, undici, express, fastify and pg instrumentations stand down`),
      );
      // Downstream calls carry the agent's context only.
      const { viaHttp, viaFetch } = JSON.parse(response.body);
      assert.ok(agent.injected(viaHttp), `http.get carries ${name}'s context: ${JSON.stringify(viaHttp)}`);
      assert.ok(agent.injected(viaFetch), `fetch carries ${name}'s context: ${JSON.stringify(viaFetch)}`);
      assert.ok(agent.exported(backend.received), `${name} exported its spans: ${backend.received.map((r) => r.url).join(', ')}`);
    });
  }

  // Loaded but never started (a dependency left in place, the start behind a flag), or started
  // turned off, in the app or by the preload: nothing conflicts, and standing down would leave the
  // app with no tracing at all.
  const cases = [
    ['loaded but never started', 'load', [], {}],
    ['started turned off', 'start', [], agent.off],
    [`preloaded with --require ${agent.preload}, turned off`, 'preloaded', ['--require', agent.preload], agent.off],
  ];
  for (const [how, start, nodeArgs, extraEnv] of cases) {
    test(`${name} ${how}: no warning, our spans and traceparent as without it`, async (t) => {
      const backend = await startAgentBackend(t);
      const receiver = await startReceiver();
      t.after(() => receiver.close());
      const child = runApp(t, backend, receiver, { name, start, nodeArgs, extraEnv });
      const [, port] = await child.waitForOutput(/listening (\d+)/);
      const response = await httpGet(Number(port), '/');
      assert.equal(response.status, 200);
      const run = await child.result;
      assert.equal(run.code, 0, run.stderr);
      assert.deepEqual(warnings(run.stderr), []);

      // GET (SERVER /)
      // ├─ GET (CLIENT, http.get)
      // │  └─ GET (SERVER /echo)
      // └─ GET (CLIENT, fetch)
      //    └─ GET (SERVER /echo)
      const spans = await receiver.waitForSpans(5);
      assert.equal(drawTree(spans), 'GET (SERVER)\n├─ GET (CLIENT)\n│  └─ GET (SERVER)\n└─ GET (CLIENT)\n   └─ GET (SERVER)');
      const { viaHttp, viaFetch } = JSON.parse(response.body);
      for (const headers of [viaHttp, viaFetch]) {
        assert.equal(agent.injected(headers), false, `${name} injected nothing: ${JSON.stringify(headers)}`);
        assert.equal(headers.traceparent.split('-')[1], spans[0].traceId, 'our traceparent');
      }
    });
  }
}
