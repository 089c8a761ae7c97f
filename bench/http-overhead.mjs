// End-to-end overhead of the agent on an HTTP app (not a test): the same app run bare
// (`node app.js`), under `otel-instrument` exporting OTLP http/protobuf to a local sink, and under
// `otel-instrument` with OTEL_TRACES_SAMPLER=always_off (the hooks alone, nothing recorded).
// Apps, in bench/fixtures/: plain.js answers a small JSON body; gateway.js makes one fetch per
// request to a bare upstream (plain.js) and answers with its JSON; express.js and fastify.js
// answer GET /users/:id, fastify-pg.js with a query through a pool (those three also run
// `otel-instrument, no internal spans`). Load comes from wrk (or, without
// it, bench/fixtures/load.mjs) at 16 connections, 1 s of warm-up then --duration seconds.
//
// Runs are interleaved (every variant once per round, the order rotating) and medians reported;
// ratios are medians of per-round ratios against the bare run of the same round, so drift on a
// noisy machine hits both sides alike. Run after `npm run build`:
//   npm run bench -- [--rounds 3] [--duration 5] [--app plain|gateway|express|fastify|all] [--load wrk|node] [--cpu-prof] [--rival <prefix>]
// --rival adds the official @opentelemetry/auto-instrumentations-node, installed apart in <prefix>
// (`npm install --prefix <prefix> @opentelemetry/auto-instrumentations-node`) and started the way
// its README says (`node --require @opentelemetry/auto-instrumentations-node/register app.js`), with
// the same sink, sampler default and protocol as ours; metrics and logs off, as ours has none.
// Prints a markdown report and writes .bench/results.md and .bench/http-overhead.json.
// --cpu-prof adds one profiled run per app and variant after the measured rounds (not in the
// table) and reports self time per request, bare vs each agent variant, and the top functions in
// dist/ (bench/fixtures/cpu-profile-top.mjs); the profiles stay in .bench/cpu-prof/.
import { execFileSync, spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { cpus } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { compareProfiles, readProfiles } from './fixtures/cpu-profile-top.mjs';
import { installFixtures } from '../scripts/install-fixtures.mjs';
import { cleanEnv, cpuTimeMs, killAll, killGroup, peakRssMb, runLoad, startServer, stopServer, withTimeout } from './fixtures/processes.mjs';

const ROOT = join(dirname(fileURLToPath(import.meta.url)), '..');
const FIXTURES = join(ROOT, 'bench', 'fixtures');
const CLI = join(ROOT, 'bin', 'otel-instrument.js');
const OUT = join(ROOT, '.bench');
const CONNECTIONS = 16;
const WARMUP_S = 1;

const APPS = {
  plain: { file: 'plain.js', path: '/', spansPerRequest: 1, what: 'node:http server, small JSON answer' },
  gateway: { file: 'gateway.js', path: '/', spansPerRequest: 2, what: 'node:http server + one fetch to a bare local upstream per request' },
  express: { file: 'express.js', path: '/users/42', spansPerRequest: 3, framework: true, what: 'express 5, GET /users/:id → JSON behind one middleware' },
  fastify: { file: 'fastify.js', path: '/users/42', spansPerRequest: 3, framework: true, what: 'fastify 5, GET /users/:id → JSON with one onRequest hook' },
  'fastify-pg': {
    file: 'fastify-pg.js',
    path: '/users/42',
    spansPerRequest: 4,
    framework: true,
    // SERVER, pg-pool.connect and SELECT stay with the frameworks' INTERNAL spans off.
    spansWithoutInternal: 3,
    postgres: true,
    what: 'fastify 5 + pg, GET /users/:id → SELECT … WHERE id = $1 through a pool (real PostgreSQL)',
  },
};

const OURS = 'otel-instrument';
const RIVAL = 'auto-instrumentations-node';
const BASE_VARIANTS = [
  { name: 'bare', agent: false, env: {} },
  { name: OURS, agent: OURS, env: {} },
  // The same, exporting OTLP/gRPC (node:http2) to the sink's gRPC port instead of http/protobuf.
  { name: `${OURS}, gRPC`, agent: OURS, env: {}, grpc: true },
  // Request metrics are on by default (exported at exit here); this row is without them.
  { name: `${OURS}, metrics off`, agent: OURS, env: { OTEL_METRICS_EXPORTER: 'none' } },
  { name: `${OURS}, sampler off`, agent: OURS, env: { OTEL_TRACES_SAMPLER: 'always_off' }, recordsSpans: false },
  // The frameworks' switch: only the SERVER span, still named from the route.
  {
    name: `${OURS}, no internal spans`,
    agent: OURS,
    env: { OTEL_INSTRUMENTATION_EXPRESS_INTERNAL_SPANS: 'false', OTEL_INSTRUMENTATION_FASTIFY_INTERNAL_SPANS: 'false' },
    internalSpans: false,
    frameworksOnly: true,
  },
];
/** The variants that apply to an app (the frameworks' switch means nothing to a plain server). */
const variantsFor = (appName) => VARIANTS.filter((v) => !v.frameworksOnly || APPS[appName].framework);
let VARIANTS = BASE_VARIANTS;

/** The official agent as its users run it, from its own install prefix; exports to the same sink. */
function rivalVariant(prefix) {
  const register = join(prefix, 'node_modules', '@opentelemetry', 'auto-instrumentations-node', 'build', 'src', 'register.js');
  if (!existsSync(register)) usage(`--rival: ${register} not found; npm install --prefix ${prefix} @opentelemetry/auto-instrumentations-node`);
  return {
    name: RIVAL,
    agent: RIVAL,
    register,
    // The libraries we instrument, and no others (its default also traces fs, dns, net …).
    env: { OTEL_TRACES_EXPORTER: 'otlp', OTEL_METRICS_EXPORTER: 'none', OTEL_LOGS_EXPORTER: 'none', OTEL_NODE_ENABLED_INSTRUMENTATIONS: 'http,undici,express,fastify,pg' },
    // Its span count per request is its own (express: a span per layer); reported, not expected.
    spansPerRequest: null,
  };
}

function usage(message) {
  if (message) process.stderr.write(`${message}\n`);
  process.stderr.write('usage: node bench/http-overhead.mjs [--rounds N] [--duration S] [--app plain|gateway|all] [--load wrk|node] [--cpu-prof] [--rival <prefix>]\n');
  process.exit(2);
}

function parseArgs(argv) {
  const args = { rounds: 3, durationS: 5, apps: Object.keys(APPS), load: undefined, cpuProf: false, rival: undefined };
  for (let i = 0; i < argv.length; i++) {
    const value = () => argv[++i] ?? usage(`${argv[i - 1]} needs a value`);
    if (argv[i] === '--rounds') args.rounds = Number(value());
    else if (argv[i] === '--duration') args.durationS = Number(value());
    else if (argv[i] === '--app') {
      const app = value();
      if (app !== 'all' && !(app in APPS)) usage(`--app: ${Object.keys(APPS).join(', ')} or all, not ${app}`);
      args.apps = app === 'all' ? Object.keys(APPS) : [app];
    } else if (argv[i] === '--load') {
      args.load = value();
      if (args.load !== 'wrk' && args.load !== 'node') usage('--load: wrk or node');
    } else if (argv[i] === '--cpu-prof') args.cpuProf = true;
    else if (argv[i] === '--rival') args.rival = value();
    else if (argv[i] === '--help' || argv[i] === '-h') usage();
    else usage(`unknown argument ${argv[i]}`);
  }
  if (!(Number.isInteger(args.rounds) && args.rounds >= 1 && args.rounds <= 50)) usage('--rounds: an integer in [1, 50]');
  if (!(Number.isInteger(args.durationS) && args.durationS >= 1 && args.durationS <= 120)) usage('--duration: whole seconds in [1, 120]');
  args.load ??= spawnSync('wrk', ['--version']).error === undefined ? 'wrk' : 'node';
  return args;
}

async function getJson(url) {
  const res = await withTimeout(fetch(url), 5000, `GET ${url}`);
  if (!res.ok) throw new Error(`GET ${url}: ${res.status}`);
  return res.json();
}

/**
 * The command line of one variant of one app: `node app.js`, `node otel-instrument.js … node app.js`
 * or `node --require <rival>/register app.js`.
 */
function commandLine(ctx, appName, variant, nodeArgs = []) {
  const app = [...nodeArgs, join(FIXTURES, APPS[appName].file)];
  if (variant.agent === OURS) {
    const endpoint = variant.grpc ? ['--exporter_otlp_endpoint', ctx.sinkGrpcUrl, '--exporter_otlp_protocol', 'grpc'] : ['--exporter_otlp_endpoint', ctx.sinkUrl];
    return [CLI, '--service_name', `bench-${appName}`, ...endpoint, process.execPath, ...app];
  }
  if (variant.agent === RIVAL) return ['--require', variant.register, ...app];
  return app;
}

/** The variant's environment; the rival gets by env what ours gets by flags. */
function variantEnv(ctx, appName, variant) {
  const rival = variant.agent === RIVAL ? { OTEL_SERVICE_NAME: `bench-${appName}`, OTEL_EXPORTER_OTLP_ENDPOINT: ctx.sinkUrl } : {};
  return cleanEnv({ UPSTREAM_URL: ctx.upstreamUrl, ...ctx.pgEnv, ...rival, ...variant.env });
}

// ---- one run: start, warm up, measure, read peak RSS, stop, count exported spans ----

async function runOnce(ctx, appName, variant, { cpuProfDir } = {}) {
  const nodeArgs = cpuProfDir ? ['--cpu-prof', `--cpu-prof-dir=${cpuProfDir}`] : [];
  const env = variantEnv(ctx, appName, variant);
  const spansBefore = (await getJson(`${ctx.sinkUrl}/stats`)).spans;
  const server = await startServer(`${appName} (${variant.name})`, commandLine(ctx, appName, variant, nodeArgs), env);
  try {
    const url = `http://127.0.0.1:${server.port}${APPS[appName].path}`;
    const warmup = await runLoad(ctx.load, url, CONNECTIONS, WARMUP_S);
    const nowUs = () => Number(process.hrtime.bigint() / 1000n); // the clock of V8's profile timestamps
    const windowStartUs = nowUs();
    const [cpuStart, sinkCpuStart] = [cpuTimeMs(server.appPid), cpuTimeMs(ctx.sinkPid)];
    const load = await runLoad(ctx.load, url, CONNECTIONS, ctx.durationS);
    const [cpuEnd, sinkCpuEnd] = [cpuTimeMs(server.appPid), cpuTimeMs(ctx.sinkPid)];
    const loadWindowUs = [windowStartUs, nowUs()];
    const rssMb = peakRssMb(server.appPid);
    // On the exec path (Node.js 22.15+) the CLI became the app: no launcher process of its own.
    const launcherRssMb = variant.agent === OURS && server.child.pid !== server.appPid ? peakRssMb(server.child.pid) : undefined;
    const exit = await stopServer(server, cpuProfDir ? 'stdin' : 'SIGTERM'); // --cpu-prof writes only on a clean exit
    const spans = (await getJson(`${ctx.sinkUrl}/stats`)).spans - spansBefore;
    const perRequestUs = (key, from, to) => (from && to ? ((to[key] - from[key]) * 1000) / load.requests : undefined);
    const userUs = perRequestUs('userMs', cpuStart, cpuEnd);
    const systemUs = perRequestUs('systemMs', cpuStart, cpuEnd);
    const sinkCpuMs = sinkCpuStart && sinkCpuEnd ? sinkCpuEnd.userMs + sinkCpuEnd.systemMs - sinkCpuStart.userMs - sinkCpuStart.systemMs : undefined;
    return {
      app: appName,
      variant: variant.name,
      requestsPerS: load.requests / (load.durationUs / 1e6),
      p50Ms: load.p50Us / 1000,
      p99Ms: load.p99Us / 1000,
      requests: load.requests,
      servedRequests: warmup.requests + load.requests,
      errors: warmup.errors + load.errors + warmup.non2xx + load.non2xx,
      // CPU time (all threads) the app used per request answered, in the measured window: unlike
      // req/s and latency, it does not depend on how the load generator and the sink share the cores.
      cpuUsPerRequest: userUs === undefined ? undefined : userUs + systemUs,
      userUsPerRequest: userUs,
      systemUsPerRequest: systemUs,
      sinkCpuShare: sinkCpuMs === undefined ? undefined : sinkCpuMs / ((loadWindowUs[1] - loadWindowUs[0]) / 1000),
      rssMb,
      launcherRssMb,
      startupMs: server.startupMs,
      exit,
      spans: variant.agent ? spans : undefined,
      expectedSpans: expectedSpans(appName, variant, warmup.requests + load.requests),
      agentMessages: [...new Set(server.stderr().match(/OTELI_[WE]_[A-Z_]+/g) ?? [])],
      loadWindowUs,
    };
  } catch (err) {
    killGroup(server.child);
    throw err;
  }
}

function expectedSpans(appName, variant, requests) {
  if (!variant.agent) return undefined;
  if (variant.recordsSpans === false) return 0;
  const app = APPS[appName];
  const perRequest = variant.spansPerRequest !== undefined ? variant.spansPerRequest : variant.internalSpans === false ? app.spansWithoutInternal ?? 1 : app.spansPerRequest;
  return perRequest === null ? undefined : requests * perRequest;
}

// ---- statistics and the report ----

function median(values) {
  const sorted = values.filter((v) => v !== undefined && !Number.isNaN(v)).sort((a, b) => a - b);
  if (sorted.length === 0) return undefined;
  const mid = sorted.length >> 1;
  return sorted.length % 2 ? sorted[mid] : (sorted[mid - 1] + sorted[mid]) / 2;
}

const fmt = (value, digits = 0) =>
  value === undefined ? '—' : value.toLocaleString('en-US', { minimumFractionDigits: digits, maximumFractionDigits: digits });
const signed = (value, digits) => (value === undefined ? '—' : `${value >= 0 ? '+' : '−'}${fmt(Math.abs(value), digits)}`);

function appTable(runs, appName) {
  const forVariant = (name) => runs.filter((r) => r.app === appName && r.variant === name);
  const bareOfRound = (round) => forVariant('bare').find((r) => r.round === round);
  const rows = [
    '| variant | req/s | p50 ms | p99 ms | CPU µs/req | peak RSS MB | start-up ms | spans received (% of expected) | req/s ratio | p99 ratio | CPU ratio | RSS ratio | start-up Δ ms |',
    '|---|--:|--:|--:|--:|--:|--:|--:|--:|--:|--:|--:|--:|',
  ];
  for (const variant of variantsFor(appName)) {
    const own = forVariant(variant.name);
    if (own.length === 0) continue;
    const med = (key) => median(own.map((r) => r[key]));
    // Each run against the bare run of its own round, then the median over rounds.
    const paired = (fn) => median(own.map((r) => (bareOfRound(r.round) ? fn(r, bareOfRound(r.round)) : undefined)));
    const ratio = (key, digits = 2) => (variant.agent ? fmt(paired((r, b) => r[key] / b[key]), digits) : '1');
    let spans = '—';
    if (variant.agent && med('expectedSpans') === undefined) {
      spans = `${fmt(med('spans'))} (${fmt(median(own.map((r) => r.spans / r.servedRequests)), 1)} per request)`;
    } else if (variant.agent) {
      spans = med('expectedSpans') === 0
        ? `${fmt(med('spans'))} (expected 0)`
        : `${fmt(med('spans'))} (${fmt(100 * median(own.map((r) => r.spans / r.expectedSpans)), 1)} %)`;
    }
    rows.push(`| ${variant.name} | ${fmt(med('requestsPerS'))} | ${fmt(med('p50Ms'), 2)} | ${fmt(med('p99Ms'), 2)} | ${fmt(med('cpuUsPerRequest'), 1)} | ` +
      `${fmt(med('rssMb'), 1)} | ${fmt(med('startupMs'))} | ${spans} | ${ratio('requestsPerS')} | ${ratio('p99Ms')} | ${ratio('cpuUsPerRequest')} | ` +
      `${ratio('rssMb')} | ${variant.agent ? signed(paired((r, b) => r.startupMs - b.startupMs), 0) : '0'} |`);
  }
  const perRound = variantsFor(appName).map((v) => `${v.name} ${forVariant(v.name).map((r) => fmt(r.requestsPerS)).join(' / ')}`).join('; ');
  return `### ${appName}: ${APPS[appName].what}\n\n${rows.join('\n')}\n\nreq/s by round: ${perRound}.\n`;
}

function report(args, runs, environment) {
  const launcherMb = median(runs.map((r) => r.launcherRssMb));
  const sinkShare = median(runs.filter((r) => r.variant === VARIANTS[1].name).map((r) => r.sinkCpuShare));
  const notes = [
    `Medians over ${args.rounds} interleaved rounds. Ratios are each agent ÷ bare and the start-up difference, each run paired with the bare run of its round, then the median over rounds.`,
    'CPU µs/req: user + system CPU time of the app process (all threads) in the measured window ÷ requests answered. It is the cost per request whatever share of the 2 cores wrk and the sink left the app, so it is the steadiest column.',
    `Peak RSS is the app process's VmHWM at the end of the load. ${launcherMb === undefined ? 'The `otel-instrument` launcher exec()ed the app: no process of its own.' : `The \`otel-instrument\` launcher, the app's parent (the spawn path), adds ${fmt(launcherMb, 1)} MB of its own.`}`,
    'Start-up: spawn → the app printing its port; under otel-instrument that includes the launcher starting (and, on Node.js 20, spawning) the app.',
    `Spans received include the warm-up; expected = requests × spans per request (plain: SERVER; gateway: SERVER + CLIENT; express and fastify: SERVER + 2 INTERNAL, or SERVER alone with the internal spans off; the official agent: as it comes, per request). Up to ${CONNECTIONS} requests per load run can be answered after the load generator stops counting, so slightly over 100 % is normal.`,
    `The sink used ${fmt(100 * sinkShare, 0)} % of a core during the otel-instrument runs (median): a collector's cost that a real deployment pays on another machine.`,
  ];
  const errors = runs.filter((r) => r.errors > 0);
  if (errors.length > 0) notes.push(`**Failed requests** in ${errors.map((r) => `${r.app} / ${r.variant} / round ${r.round}: ${r.errors}`).join(', ')}.`);
  const messages = [...new Set(runs.flatMap((r) => r.agentMessages))];
  if (messages.length > 0) notes.push(`**Agent warnings seen:** ${messages.join(', ')}.`);
  const slack = (r) => 2 * CONNECTIONS * APPS[r.app].spansPerRequest; // warm-up and measured load each
  const wrong = runs.filter((r) => r.expectedSpans !== undefined && (r.spans < r.expectedSpans || r.spans > r.expectedSpans + slack(r)));
  if (wrong.length > 0) notes.push(`**Spans missing or extra** in ${wrong.map((r) => `${r.app} / ${r.variant} / round ${r.round}: ${r.spans} for ${r.expectedSpans} expected`).join(', ')}.`);
  return [
    '## HTTP overhead of otel-instrument',
    '',
    environment,
    '',
    ...args.apps.map((app) => appTable(runs, app)),
    notes.map((n) => `- ${n}`).join('\n'),
    '',
  ].join('\n');
}

function describeEnvironment(args) {
  let commit = 'unknown';
  try {
    commit = execFileSync('git', ['rev-parse', '--short', 'HEAD'], { cwd: ROOT, encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] }).trim();
  } catch {
    // not a git checkout
  }
  const loader = args.load === 'wrk' ? `wrk -t1 -c${CONNECTIONS}` : `bench/fixtures/load.mjs with ${CONNECTIONS} keep-alive connections`;
  return `Node.js ${process.version}, ${cpus().length} × ${cpus()[0]?.model.trim() ?? 'cpu'}, commit ${commit}, ${new Date().toISOString().slice(0, 16)}Z. ` +
    `Load: ${loader}, ${WARMUP_S} s warm-up + ${args.durationS} s measured per run, loopback. Export: OTLP http/protobuf to bench/fixtures/sink.js (the gRPC variant: OTLP/gRPC to its h2c port).`;
}

// ---- main ----

async function profileRuns(ctx, args) {
  const profDir = join(OUT, 'cpu-prof');
  rmSync(profDir, { recursive: true, force: true });
  const sections = [];
  for (const appName of args.apps) {
    const profiled = [];
    for (const [i, variant] of variantsFor(appName).entries()) {
      const dir = join(profDir, appName, String(i));
      mkdirSync(dir, { recursive: true });
      const run = await runOnce(ctx, appName, variant, { cpuProfDir: dir });
      process.stderr.write(`profiled ${appName} ${variant.name}: ${fmt(run.requestsPerS)} req/s\n`);
      profiled.push({ ...run, functions: readProfiles(dir, { windowUs: run.loadWindowUs, root: ROOT }) });
    }
    for (const other of profiled.slice(1)) sections.push(compareProfiles(`${appName}, ${other.variant}`, profiled[0], other));
  }
  return sections.join('\n');
}

async function main() {
  const args = parseArgs(process.argv.slice(2));
  if (args.rival !== undefined) VARIANTS = [...BASE_VARIANTS, rivalVariant(args.rival)];
  if (!existsSync(join(ROOT, 'dist', 'cli', 'index.js'))) usage('dist/ is missing: run `npm run build` first');
  if (installFixtures({ quiet: true }) !== 0) usage('installing the framework fixtures failed (node scripts/install-fixtures.mjs)');
  const perRound = args.apps.reduce((n, app) => n + variantsFor(app).length, 0);
  const runCount = args.rounds * perRound + (args.cpuProf ? perRound : 0);
  // A bound on the whole run, so a wedged process cannot keep the bench (or CI) waiting forever.
  const budgetS = runCount * (WARMUP_S + args.durationS + 20) + 60;
  setTimeout(() => {
    process.stderr.write(`bench: still running after ${budgetS} s; giving up\n`);
    process.exit(1); // the 'exit' listener kills every child
  }, budgetS * 1000).unref();
  process.stderr.write(`bench: ${runCount} runs with ${args.load}, about ${Math.ceil((runCount * (WARMUP_S + args.durationS + 1.5)) / 60)} min\n`);

  const sink = await startServer('sink', [join(FIXTURES, 'sink.js')], cleanEnv({}));
  const upstream = await startServer('upstream', [join(FIXTURES, 'plain.js')], cleanEnv({}));
  const ctx = {
    // The PostgreSQL the tests use (test/helpers/postgres.mjs): the PG* variables, or embedded.
    pgEnv: args.apps.some((app) => APPS[app].postgres) ? await (await import('../test/helpers/postgres.mjs')).postgresEnv() : {},
    sinkPid: sink.appPid,
    sinkUrl: `http://127.0.0.1:${sink.port}`,
    sinkGrpcUrl: `http://127.0.0.1:${(await getJson(`http://127.0.0.1:${sink.port}/stats`)).grpcPort}`,
    upstreamUrl: `http://127.0.0.1:${upstream.port}/`,
    load: args.load,
    durationS: args.durationS,
  };

  // One unmeasured start of each variant warms the file cache, so round 1's start-up is no outlier.
  for (const appName of args.apps) {
    for (const variant of variantsFor(appName)) {
      const env = variantEnv(ctx, appName, variant);
      await stopServer(await startServer(`${appName} (${variant.name}, priming)`, commandLine(ctx, appName, variant), env));
    }
  }

  const runs = [];
  for (let round = 1; round <= args.rounds; round++) {
    for (const appName of args.apps) {
      // Rotate the order each round, so no variant always runs right after the same other one.
      const variants = variantsFor(appName);
      const order = variants.map((_, i) => variants[(i + round - 1) % variants.length]);
      for (const variant of order) {
        const run = { round, ...(await runOnce(ctx, appName, variant)) };
        runs.push(run);
        process.stderr.write(`round ${round} ${appName.padEnd(7)} ${variant.name.padEnd(28)} ${fmt(run.requestsPerS).padStart(7)} req/s  ` +
          `p99 ${fmt(run.p99Ms, 2)} ms  cpu ${fmt(run.cpuUsPerRequest, 1)} µs/req  rss ${fmt(run.rssMb, 1)} MB  start ${fmt(run.startupMs)} ms` +
          `${run.spans === undefined ? '' : `  spans ${run.spans}/${run.expectedSpans}`}\n`);
      }
    }
  }

  const environment = describeEnvironment(args);
  let markdown = report(args, runs, environment);
  if (args.cpuProf) markdown += `\n${await profileRuns(ctx, args)}`;
  await stopServer(upstream);
  await stopServer(sink);
  await (await import('../test/helpers/postgres.mjs')).stopPostgres();
  mkdirSync(OUT, { recursive: true });
  writeFileSync(join(OUT, 'results.md'), markdown);
  writeFileSync(join(OUT, 'http-overhead.json'), `${JSON.stringify({ environment, args, runs }, null, 2)}\n`);
  process.stdout.write(markdown);
  process.stderr.write('bench: wrote .bench/results.md and .bench/http-overhead.json\n');
}

main().catch((err) => {
  process.stderr.write(`bench: ${err.stack ?? err}\n`);
  killAll();
  process.exit(1);
});
