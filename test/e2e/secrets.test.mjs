// No secret reaches an attribute or a log line by default (#22). The fixtures plant distinctive
// secrets (test/fixtures/secrets/planted.cjs) everywhere an app hands us one: URL userinfo, the
// `auth` option, signature query parameters, credential headers that the capture settings name,
// pg passwords, literals, parameter values and the values PostgreSQL quotes in its errors, and
// the exporter's own headers and endpoint credentials. Every byte exported (raw OTLP bodies, and
// each decoded span, event, status, resource and metric value), every line printed (at every
// OTEL_LOG_LEVEL, console exporters included) and a Prometheus scrape are searched for each one.
// The fixtures print none themselves. Beside the search, the redaction is asserted where the
// conventions say what it looks like: `REDACTED:REDACTED@`, `sig=REDACTED`, `["REDACTED"]`.
import { after, test } from 'node:test';
import assert from 'node:assert/strict';
import { createServer } from 'node:http';
import { createRequire } from 'node:module';
import { join } from 'node:path';
import { gunzipSync } from 'node:zlib';
import { FIXTURES, runCli, spawnCli } from '../helpers/run-cli.mjs';
import { listenOnLoopback, unusedPort } from '../helpers/listen.mjs';
import { decodeTraceRequest, normalizeJsonRequest, normalizeProtoRequest } from '../helpers/otlp-proto.mjs';
import { decodeMetricsJson, decodeMetricsProto } from '../helpers/otlp-metrics.mjs';
import { postgresEnv, stopPostgres } from '../helpers/postgres.mjs';

const { SECRETS } = createRequire(import.meta.url)('../fixtures/secrets/planted.cjs');
const app = (name) => join(FIXTURES, 'secrets', name);
const pgEnv = await postgresEnv();
after(stopPostgres);

const base64 = (text) => Buffer.from(text).toString('base64');
/** The planted secrets, and the forms Node derives from some: `Authorization: Basic base64(user:password)`. */
const PLANTED = {
  ...SECRETS,
  urlUserinfoAsBasic: base64(`${SECRETS.urlUser}:${SECRETS.urlPassword}`),
  authOptionAsBasic: base64(`user:${SECRETS.authOption}`),
  endpointUserinfoAsBasic: base64(`user:${SECRETS.endpointPassword}`),
};

const CREDENTIAL_HEADERS = 'authorization,proxy-authorization,cookie,set-cookie';
const CAPTURE_CREDENTIAL_HEADERS = {
  OTEL_INSTRUMENTATION_HTTP_CAPTURE_HEADERS_SERVER_REQUEST: CREDENTIAL_HEADERS,
  OTEL_INSTRUMENTATION_HTTP_CAPTURE_HEADERS_SERVER_RESPONSE: CREDENTIAL_HEADERS,
  OTEL_INSTRUMENTATION_HTTP_CAPTURE_HEADERS_CLIENT_REQUEST: CREDENTIAL_HEADERS,
  OTEL_INSTRUMENTATION_HTTP_CAPTURE_HEADERS_CLIENT_RESPONSE: CREDENTIAL_HEADERS,
};
const SIGNATURES_REDACTED = [
  'color=blue',
  'sig=REDACTED',
  'Signature=REDACTED',
  'AWSAccessKeyId=REDACTED',
  'X-Goog-Signature=REDACTED',
  'X-Amz-Signature=REDACTED',
  'X-Amz-Credential=REDACTED',
  'X-Amz-Security-Token=REDACTED',
].join('&');

/** The exporter's settings, each with its secret: headers of all three kinds, endpoints with credentials. */
function exporterEnv(port) {
  return {
    OTEL_EXPORTER_OTLP_ENDPOINT: `http://user:${SECRETS.endpointPassword}@127.0.0.1:${port}`,
    OTEL_EXPORTER_OTLP_TRACES_ENDPOINT: `http://user:${SECRETS.endpointPassword}@127.0.0.1:${port}/v1/traces?api-key=${SECRETS.endpointQuery}`,
    OTEL_EXPORTER_OTLP_METRICS_ENDPOINT: `http://user:${SECRETS.metricsEndpointPassword}@127.0.0.1:${port}/v1/metrics`,
    // Bad members too, the second a `name: value` whose base64 padding looks like the `=`: the
    // warning about them must not quote any part of a value.
    OTEL_EXPORTER_OTLP_HEADERS: `x-api-key=${SECRETS.otlpHeader},bad name=${SECRETS.otlpHeader},authorization: Bearer ${SECRETS.otlpHeader}==`,
    OTEL_EXPORTER_OTLP_TRACES_HEADERS: `authorization=Bearer%20${SECRETS.otlpTracesHeader}`,
    OTEL_EXPORTER_OTLP_METRICS_HEADERS: `authorization=Bearer%20${SECRETS.otlpMetricsHeader}`,
    OTEL_BSP_SCHEDULE_DELAY: '50',
  };
}

/**
 * A collector that keeps every request's raw body (gunzipped) and headers, and answers
 * `respond(path)` ({ status, body }) or 200 with an empty Export response.
 */
async function startCollector({ respond } = {}) {
  const requests = [];
  const server = createServer((req, res) => {
    const chunks = [];
    req.on('data', (chunk) => chunks.push(chunk));
    req.on('end', () => {
      const raw = Buffer.concat(chunks);
      const body = req.headers['content-encoding'] === 'gzip' ? gunzipSync(raw) : raw;
      const json = (req.headers['content-type'] ?? '').includes('json');
      requests.push({ path: req.url, headers: req.headers, body, json });
      const answer = respond?.(req.url);
      if (answer !== undefined) res.writeHead(answer.status, { 'content-type': 'text/plain' }).end(answer.body ?? '');
      else res.writeHead(200, { 'content-type': json ? 'application/json' : 'application/x-protobuf' }).end(json ? '{}' : '');
    });
  });
  const { port } = await listenOnLoopback(server);
  return {
    port,
    requests,
    traceRequests: () => requests.filter((r) => r.path.startsWith('/v1/traces')),
    metricRequests: () => requests.filter((r) => r.path === '/v1/metrics'),
    spans: () => requests.filter((r) => r.path.startsWith('/v1/traces')).flatMap((r) => (r.json ? normalizeJsonRequest(JSON.parse(r.body)) : normalizeProtoRequest(decodeTraceRequest(r.body)))),
    metrics: () => requests.filter((r) => r.path === '/v1/metrics').flatMap((r) => (r.json ? decodeMetricsJson(r.body.toString('utf8')) : decodeMetricsProto(r.body))),
    close: () => new Promise((resolve) => server.close(resolve)),
  };
}

/** Every string in a decoded value, with where it sits: [{ where, text }]. Keys count too. */
function stringsIn(value, where, out = []) {
  if (typeof value === 'string') out.push({ where, text: value });
  else if (Buffer.isBuffer(value)) out.push({ where, text: value.toString('latin1') });
  else if (Array.isArray(value)) value.forEach((v, i) => stringsIn(v, `${where}[${i}]`, out));
  else if (value !== null && typeof value === 'object') {
    for (const [k, v] of Object.entries(value)) {
      out.push({ where: `${where} (key)`, text: k });
      stringsIn(v, `${where}.${k}`, out);
    }
  }
  return out;
}

/** What a run exported and printed, as searchable texts. */
function exportedTexts(collector) {
  return [
    ...collector.requests.map((r, i) => ({ where: `OTLP request #${i} to ${r.path.split('?')[0]} (raw body)`, text: r.body.toString('latin1') })),
    ...collector.spans().flatMap((s) => stringsIn(s, `span "${s.name}" (${s.kind})`)),
    ...collector.metrics().flatMap((m) => stringsIn(m, `metric ${m.name}`)),
  ];
}

function printedTexts(run, label = 'the run') {
  return [
    { where: `stdout of ${label}`, text: run.stdout },
    { where: `stderr of ${label}`, text: run.stderr },
  ];
}

/**
 * Fails listing every planted secret found, where, and the text around it. Case-insensitive: a
 * secret lower-cased on the way (a header name is) is still that secret.
 */
function assertNoSecrets(texts) {
  const found = [];
  for (const [name, secret] of Object.entries(PLANTED)) {
    for (const { where, text } of texts) {
      const at = text.toLowerCase().indexOf(secret.toLowerCase());
      if (at === -1) continue;
      const around = text.slice(Math.max(0, at - 80), at + secret.length + 40).replace(/[^\x20-\x7e]/g, '.');
      found.push(`${name} in ${where}: …${around}…`);
    }
  }
  assert.deepEqual(found, [], `planted secrets reached the output:\n${found.join('\n')}`);
}

/** The SERVER span (by url.path) or CLIENT span (by url.full's path) of a request to `path`. */
function findSpan(spans, kind, path) {
  const pathOf = (s) => (kind === 'SERVER' ? s.attributes['url.path'] : s.attributes['url.full'] && new URL(s.attributes['url.full']).pathname);
  const span = spans.find((s) => s.kind === kind && pathOf(s) === path);
  assert.ok(span, `a ${kind} span for ${path} among: ${spans.map((s) => `${s.kind} ${pathOf(s)}`).join(', ')}`);
  return span;
}

test('http and fetch: userinfo, signature query parameters and credential headers captured by name reach no attribute, metric or log line', async () => {
  const collector = await startCollector();
  try {
    const run = await runCli(['node', app('http-app.cjs')], {
      env: {
        ...exporterEnv(collector.port),
        ...CAPTURE_CREDENTIAL_HEADERS,
        OTEL_SEMCONV_STABILITY_OPT_IN: 'http/dup',
        OTEL_LOG_LEVEL: 'debug',
      },
    });
    assert.equal(run.code, 0, `${run.stdout}\n${run.stderr}`);
    assert.equal(run.stdout, 'done\n');
    const spans = collector.spans();
    assertNoSecrets([...exportedTexts(collector), ...printedTexts(run)]);

    // The secrets were there to leak: the exporter sent its own headers where they belong.
    const [traces] = collector.traceRequests();
    assert.equal(traces.headers.authorization, `Bearer ${SECRETS.otlpTracesHeader}`);
    assert.equal(traces.headers['x-api-key'], SECRETS.otlpHeader);
    const [metrics] = collector.metricRequests();
    assert.equal(metrics?.headers.authorization, `Bearer ${SECRETS.otlpMetricsHeader}`, 'metrics were exported, with their headers');
    assert.ok(collector.metrics().some((m) => m.name === 'http.client.request.duration'));

    // GET /http/userinfo?… (CLIENT)   url.full=http://REDACTED:REDACTED@127.0.0.1:PORT/http/userinfo?color=blue&sig=REDACTED…
    //  └─ GET (SERVER)               url.query=color=blue&sig=REDACTED…, http.request.header.authorization=["REDACTED"]
    const client = findSpan(spans, 'CLIENT', '/http/userinfo');
    const port = findSpan(spans, 'SERVER', '/http/userinfo').attributes['server.port'];
    const full = `http://REDACTED:REDACTED@127.0.0.1:${port}/http/userinfo?${SIGNATURES_REDACTED}`;
    assert.equal(client.attributes['url.full'], full);
    assert.equal(client.attributes['http.url'], full, 'http/dup: the old http.url too');
    assert.equal(findSpan(spans, 'CLIENT', '/http/auth-option').attributes['url.full'], `http://REDACTED:REDACTED@127.0.0.1:${port}/http/auth-option?${SIGNATURES_REDACTED}`);
    assert.deepEqual(client.attributes['http.request.header.authorization'], ['REDACTED'], 'the Basic header Node made of the userinfo');
    for (const path of ['/http/userinfo', '/http/headers', '/fetch/headers', '/undici/userinfo']) {
      const server = findSpan(spans, 'SERVER', path);
      assert.equal(server.attributes['url.query'], SIGNATURES_REDACTED, path);
      assert.equal(server.attributes['http.target'], `${path}?${SIGNATURES_REDACTED}`, path);
      assert.deepEqual(server.attributes['http.response.header.set-cookie'], ['REDACTED', 'REDACTED'], `${path}: one REDACTED per value`);
      for (const header of ['authorization', 'proxy-authorization', 'cookie']) {
        assert.deepEqual(server.attributes[`http.response.header.${header}`], ['REDACTED'], `${path} response ${header}`);
      }
      const clientSpan = findSpan(spans, 'CLIENT', path);
      assert.ok(clientSpan.attributes['url.full'].endsWith(`${path}?${SIGNATURES_REDACTED}`), clientSpan.attributes['url.full']);
      assert.deepEqual(clientSpan.attributes['http.response.header.set-cookie'], ['REDACTED', 'REDACTED'], `${path} client`);
    }
    for (const path of ['/http/headers', '/fetch/headers', '/undici/userinfo']) {
      for (const header of ['authorization', 'proxy-authorization', 'cookie']) {
        assert.deepEqual(findSpan(spans, 'SERVER', path).attributes[`http.request.header.${header}`], ['REDACTED'], `${path} request ${header}`);
        assert.deepEqual(findSpan(spans, 'CLIENT', path).attributes[`http.request.header.${header}`], ['REDACTED'], `${path} client request ${header}`);
      }
    }
    // fetch refuses a URL with credentials before any request: no span, and nothing of it anywhere.
    assert.ok(!spans.some((s) => (s.attributes['url.full'] ?? '').includes('/fetch/userinfo')));
    // GET /throw (SERVER): the handler threw undici's "… URL that includes credentials: <url>".
    const thrown = findSpan(spans, 'SERVER', '/throw').events.find((e) => e.name === 'exception');
    assert.match(thrown.attributes['exception.message'], /includes credentials: http:\/\/REDACTED:REDACTED@127\.0\.0\.1:1\/$/);
    assert.match(thrown.attributes['exception.stacktrace'], /^TypeError: Request cannot be constructed from a URL that includes credentials: http:\/\/REDACTED:REDACTED@/);
  } finally {
    await collector.close();
  }
});

test('pg: passwords, literals, parameter values and the values PostgreSQL quotes in its errors reach no attribute, metric or log line', async () => {
  const collector = await startCollector();
  try {
    const run = await runCli(['node', app('pg-app.cjs')], {
      env: { ...exporterEnv(collector.port), ...pgEnv, PGPASSWORD: SECRETS.pgPassword, OTEL_LOG_LEVEL: 'debug' },
    });
    assert.equal(run.code, 0, `${run.stdout}\n${run.stderr}`);
    const results = JSON.parse(/^results (.*)$/m.exec(run.stdout)?.[1] ?? 'null');
    assert.deepEqual(results, {
      urlConnect: 'ok', literal: 'ok', escape: 'ok', dollar: 'ok', parameter: 'ok',
      castLiteral: '22P02', castParameter: '22P02', json: '22P02',
      create: 'ok', insert: 'ok', unique: '23505', store: 'ok', castStored: '22P02', missing: '42703', drop: 'ok',
      pool: 'ok',
    });
    assertNoSecrets([...exportedTexts(collector), ...printedTexts(run)]);
    const spans = collector.spans();
    assert.ok(collector.metrics().some((m) => m.name === 'db.client.operation.duration'), 'metrics were exported');
    const texts = spans.map((s) => s.attributes['db.query.text']).filter(Boolean);
    for (const text of ["SELECT ? WHERE ? <> ?", 'SELECT ? AS v', 'SELECT $1::text AS v', 'SELECT ?::int', 'SELECT $1::int']) {
      assert.ok(texts.includes(text), `db.query.text ${text} in ${texts.join(' | ')}`);
    }
    // SELECT (CLIENT) db.query.text="SELECT ?::int" db.response.status_code=22P02, ERROR
    //   exception.message = status message = invalid input syntax for type integer: "?"
    const failed = spans.filter((s) => s.attributes['db.response.status_code'] !== undefined);
    const messages = failed.map((s) => s.events.find((e) => e.name === 'exception').attributes['exception.message']);
    assert.deepEqual(failed.map((s) => s.status), messages.map((message) => ({ code: 'ERROR', message })));
    const castMessage = 'invalid input syntax for type integer: "?"';
    assert.deepEqual(messages.filter((m) => m === castMessage).length, 3, `a literal, a parameter and a stored value, each "?": ${messages.join(' | ')}`);
    // Names stay: a constraint the server names as such, a column of the query text.
    assert.ok(messages.some((m) => /^duplicate key value violates unique constraint "oteli_secrets_\d+_v_key"$/.test(m)), messages.join(' | '));
    assert.ok(messages.includes('column "nope" does not exist'), messages.join(' | '));
    for (const span of failed) {
      const stack = span.events.find((e) => e.name === 'exception').attributes['exception.stacktrace'];
      assert.ok(stack.startsWith(`error: ${span.status.message}\n`), stack);
    }
  } finally {
    await collector.close();
  }
});

const LOG_LEVELS = ['none', 'error', 'warn', 'info', 'debug', 'verbose', 'all'];

test('OTEL_EXPORTER_OTLP_*HEADERS and endpoint credentials are printed at no OTEL_LOG_LEVEL, with a collector that is down', async () => {
  const port = await unusedPort();
  const runs = await Promise.all(
    LOG_LEVELS.map(async (level) => ({
      level,
      run: await runCli(['node', app('http-app.cjs')], { env: { ...exporterEnv(port), ...CAPTURE_CREDENTIAL_HEADERS, OTEL_LOG_LEVEL: level } }),
    })),
  );
  for (const { level, run } of runs) {
    assert.equal(run.code, 0, `${level}: ${run.stderr}`);
    assertNoSecrets(printedTexts(run, `OTEL_LOG_LEVEL=${level}`));
    const rank = LOG_LEVELS.indexOf(level);
    // The lines that name what the secrets were in are there, redacted the semconv way.
    if (rank >= LOG_LEVELS.indexOf('warn')) {
      assert.match(run.stderr, new RegExp(`OTELI_W_EXPORT_FAILED: exporting spans to http://REDACTED:REDACTED@127\\.0\\.0\\.1:${port}/v1/traces\\?api-key=REDACTED failed`), level);
      assert.match(run.stderr, new RegExp(`OTELI_W_EXPORT_FAILED: exporting metrics to http://REDACTED:REDACTED@127\\.0\\.0\\.1:${port}/v1/metrics failed`), level);
      assert.match(run.stderr, /OTEL_EXPORTER_OTLP_HEADERS: skipped invalid member #2 is not a valid header name, #3 is not a valid header name/, level);
    }
    if (rank >= LOG_LEVELS.indexOf('info')) {
      assert.match(run.stderr, new RegExp(` endpoint=http://REDACTED:REDACTED@127\\.0\\.0\\.1:${port}/v1/traces\\?api-key=REDACTED `), level);
    }
    if (level === 'none') assert.equal(run.stderr, '');
  }
});

test('the same settings as CLI flags, over gRPC, and an endpoint without its scheme: printed at no level', async () => {
  const port = await unusedPort();
  const env = exporterEnv(port);
  const runs = await Promise.all([
    // Flags become the same variables; the CLI prints none of them.
    runCli([
      '--exporter_otlp_traces_endpoint', env.OTEL_EXPORTER_OTLP_TRACES_ENDPOINT,
      '--exporter_otlp_headers', env.OTEL_EXPORTER_OTLP_HEADERS,
      '--exporter_otlp_traces_headers', env.OTEL_EXPORTER_OTLP_TRACES_HEADERS,
      '--log_level', 'all',
      'node', app('http-app.cjs'),
    ]),
    runCli(['node', app('http-app.cjs')], { env: { ...env, OTEL_EXPORTER_OTLP_PROTOCOL: 'grpc', OTEL_LOG_LEVEL: 'all' } }),
    // `user:token@host:port`, the scheme forgotten: quoted in the warning about it.
    runCli(['node', app('http-app.cjs')], {
      env: { ...env, OTEL_EXPORTER_OTLP_TRACES_ENDPOINT: `user:${SECRETS.endpointPassword}@127.0.0.1:${port}`, OTEL_LOG_LEVEL: 'all' },
    }),
  ]);
  runs.forEach((run, i) => {
    assert.equal(run.code, 0, run.stderr);
    assertNoSecrets(printedTexts(run, `run #${i}`));
  });
  assert.match(runs[2].stderr, /OTEL_EXPORTER_OTLP_TRACES_ENDPOINT="REDACTED:REDACTED@127\.0\.0\.1:\d+" is not an http\(s\) URL/);
});

test('a collector that rejects spans and refuses metrics: its warnings name the endpoint redacted', async () => {
  const collector = await startCollector({
    respond: (path) => (path === '/v1/metrics' ? { status: 404, body: '404 page not found' } : { status: 400, body: 'bad request' }),
  });
  try {
    const run = await runCli(['node', app('http-app.cjs')], { env: { ...exporterEnv(collector.port), OTEL_LOG_LEVEL: 'warn' } });
    assert.equal(run.code, 0, run.stderr);
    assertNoSecrets(printedTexts(run));
    assert.match(run.stderr, /OTELI_W_EXPORT_REJECTED: http:\/\/REDACTED:REDACTED@127\.0\.0\.1:\d+\/v1\/traces\?api-key=REDACTED rejected spans with HTTP 400/);
    assert.match(run.stderr, /OTELI_W_SIGNAL_REFUSED: http:\/\/REDACTED:REDACTED@127\.0\.0\.1:\d+\/v1\/metrics does not take metrics/);
  } finally {
    await collector.close();
  }
});

test('OTEL_TRACES_EXPORTER=console and OTEL_METRICS_EXPORTER=console print no secret', async () => {
  const env = { ...CAPTURE_CREDENTIAL_HEADERS, OTEL_TRACES_EXPORTER: 'console', OTEL_METRICS_EXPORTER: 'console', OTEL_LOG_LEVEL: 'all' };
  const [http, pg] = await Promise.all([
    runCli(['node', app('http-app.cjs')], { env }),
    runCli(['node', app('pg-app.cjs')], { env: { ...env, ...pgEnv, PGPASSWORD: SECRETS.pgPassword } }),
  ]);
  for (const run of [http, pg]) assert.equal(run.code, 0, run.stderr);
  assertNoSecrets([...printedTexts(http, 'the http app'), ...printedTexts(pg, 'the pg app')]);
  // The spans were printed, with their redacted values.
  assert.match(http.stderr, /url\.full=http:\/\/REDACTED:REDACTED@127\.0\.0\.1:\d+\/http\/userinfo\?/);
  assert.match(pg.stderr, /db\.query\.text="?SELECT \?::int/);
  assert.match(http.stderr, /http\.server\.request\.duration/);
});

test('OTEL_METRICS_EXPORTER=prometheus: a scrape shows no secret', async () => {
  const promPort = await unusedPort();
  const child = spawnCli(['node', app('http-app.cjs')], {
    env: {
      ...CAPTURE_CREDENTIAL_HEADERS,
      WAIT_FOR_DONE: '1',
      OTEL_TRACES_EXPORTER: 'none',
      OTEL_METRICS_EXPORTER: 'prometheus',
      OTEL_EXPORTER_PROMETHEUS_HOST: '127.0.0.1',
      OTEL_EXPORTER_PROMETHEUS_PORT: String(promPort),
    },
  });
  const [, appPort] = await child.waitForOutput(/^ready (\d+)$/m);
  const scrape = await (await fetch(`http://127.0.0.1:${promPort}/metrics`)).text();
  await fetch(`http://127.0.0.1:${appPort}/done`).then((r) => r.text());
  const run = await child.result;
  assert.equal(run.code, 0, run.stderr);
  assert.match(scrape, /^http_server_request_duration_seconds_count\{/m);
  assertNoSecrets([{ where: 'the Prometheus scrape', text: scrape }, ...printedTexts(run)]);
});
