// The rival agents, each installed apart in bench/rivals/<folder>/node_modules (exact versions in
// its package.json; `npm run bench:install-rivals`), so that its dependency tree is the one its
// users get, and started the way its README says. The app never resolves the agent: the preload
// flags name the agent's entry file by absolute path, as NODE_OPTIONS would after an install.
//
// Each exports 100 % of its spans to the bench's sink, with its metrics, logs and other extras off
// or harmless, so that only tracing is compared. OTEL_NODE_ENABLED_INSTRUMENTATIONS limits the two
// OpenTelemetry-based agents to the libraries we instrument, under the ids they use: neither has a
// fastify instrumentation, so on the fastify apps they trace only the http layer (and pg).
import { existsSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

export const RIVALS_DIR = join(dirname(fileURLToPath(import.meta.url)), '..', 'rivals');
const OTEL_IDS = 'http,undici,express,pg';

/** OpenTelemetry SDK settings for the two OTel-based rivals: traces to the sink, nothing else. */
function otelEnv(ctx, appName) {
  return {
    OTEL_SERVICE_NAME: `bench-${appName}`,
    OTEL_TRACES_EXPORTER: 'otlp',
    OTEL_EXPORTER_OTLP_PROTOCOL: 'http/protobuf',
    OTEL_EXPORTER_OTLP_ENDPOINT: ctx.sinkUrl,
    OTEL_METRICS_EXPORTER: 'none',
    OTEL_LOGS_EXPORTER: 'none',
    OTEL_NODE_ENABLED_INSTRUMENTATIONS: OTEL_IDS,
    // Their default is every detector, the cloud ones too: off a cloud, the GCP detector waits
    // ~8 s for a metadata server, holding a short process open and the first export back (queued
    // spans past 2048 are dropped meanwhile). The local detectors, as their README's example sets.
    OTEL_NODE_RESOURCE_DETECTORS: 'env,host,os,process,serviceinstance,container',
  };
}

const DEFINITIONS = [
  {
    name: 'auto-instrumentations-node',
    folder: 'auto-instrumentations-node',
    package: '@opentelemetry/auto-instrumentations-node',
    // Its README: `node --require @opentelemetry/auto-instrumentations-node/register app.js`; for
    // ES modules, @opentelemetry/instrumentation's README adds its loader hook,
    // `--experimental-loader=@opentelemetry/instrumentation/hook.mjs`.
    entries: {
      register: '@opentelemetry/auto-instrumentations-node/build/src/register.js',
      hook: '@opentelemetry/instrumentation/hook.mjs',
    },
    preload: ({ register, hook }, esm) => [...(esm ? [`--experimental-loader=${pathToFileURL(hook).href}`] : []), '--require', register],
    env: otelEnv,
    // Its SIGTERM handler shuts the SDK down (flushing) but does not exit: the bench kills the
    // app once the sink has stopped receiving.
    exitsOnSigterm: false,
  },
  {
    name: 'dd-trace',
    folder: 'dd-trace',
    package: 'dd-trace',
    // Its docs: `node --require dd-trace/init app.js`; ES modules: `--import dd-trace/initialize.mjs`.
    entries: { init: 'dd-trace/init.js', initialize: 'dd-trace/initialize.mjs' },
    preload: ({ init, initialize }, esm) => (esm ? ['--import', pathToFileURL(initialize).href] : ['--require', init]),
    env: (ctx, appName) => ({
      DD_SERVICE: `bench-${appName}`,
      // Its agent's trace intake (PUT /v0.4/traces, msgpack) is the sink.
      DD_TRACE_AGENT_URL: ctx.sinkUrl,
      // 100 %: a sample rate of 1, and no cap on kept traces per second (its default is 100/s
      // once a sample rate is set; a negative limit is unlimited).
      DD_TRACE_SAMPLE_RATE: '1',
      DD_TRACE_RATE_LIMIT: '-1',
      // Extras that would call agent endpoints the sink does not have: remote configuration
      // polling, instrumentation telemetry, runtime metrics (DogStatsD), the profiler.
      DD_REMOTE_CONFIGURATION_ENABLED: 'false',
      DD_INSTRUMENTATION_TELEMETRY_ENABLED: 'false',
      DD_RUNTIME_METRICS_ENABLED: 'false',
      DD_PROFILING_ENABLED: 'false',
      DD_TRACE_STARTUP_LOGS: 'false',
    }),
    // It flushes every DD_TRACE_FLUSH_INTERVAL (2 s by default, kept: it is what its users run),
    // and not on SIGTERM: the bench waits for the sink to stop receiving before stopping the app.
    flushIntervalMs: 2000,
    exitsOnSigterm: true,
  },
  {
    name: 'elastic-opentelemetry-node',
    folder: 'elastic-opentelemetry-node',
    package: '@elastic/opentelemetry-node',
    // Its README: `node --import @elastic/opentelemetry-node app.js`, for CommonJS apps too.
    // (the package's `import` export: import.mjs registers the ESM hook, then starts the SDK).
    entries: { entry: '@elastic/opentelemetry-node/import.mjs' },
    preload: ({ entry }) => ['--import', pathToFileURL(entry).href],
    env: (ctx, appName) => ({
      ...otelEnv(ctx, appName),
      // Its diagnostic log defaults to info (JSON lines at start-up), and with the logs exporter
      // off it warns that dynamic config cannot reach log processors; errors still show.
      OTEL_LOG_LEVEL: 'error',
    }),
    exitsOnSigterm: true,
  },
];

/** The installed rivals, as bench variants; the others are listed in `missing`. */
export function installedRivals() {
  const variants = [];
  const missing = [];
  for (const def of DEFINITIONS) {
    const dir = join(RIVALS_DIR, def.folder);
    const { dependencies } = JSON.parse(readFileSync(join(dir, 'package.json'), 'utf8'));
    const manifest = join(dir, 'node_modules', ...def.package.split('/'), 'package.json');
    const installed = existsSync(manifest) ? JSON.parse(readFileSync(manifest, 'utf8')).version : undefined;
    if (installed !== dependencies[def.package]) {
      missing.push(`${def.name}@${dependencies[def.package]}`);
      continue;
    }
    // Absolute paths inside the rival's node_modules: the versions are exact, so are the files.
    const entries = Object.fromEntries(Object.entries(def.entries).map(([key, path]) => [key, join(dir, 'node_modules', path)]));
    const absent = Object.values(entries).filter((path) => !existsSync(path));
    if (absent.length > 0) throw new Error(`${def.name}@${installed}: ${absent.join(', ')} not found`);
    variants.push({
      name: def.name,
      agent: def.name,
      rival: true,
      version: installed,
      preload: (esm) => def.preload(entries, esm),
      env: def.env,
      flushIntervalMs: def.flushIntervalMs,
      exitsOnSigterm: def.exitsOnSigterm,
      // Its span count per request is its own (express: a span per layer); reported, not expected.
      spansPerRequest: null,
    });
  }
  return { variants, missing };
}
