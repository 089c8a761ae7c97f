// The variants of the HTTP benchmark and how each starts an app: bare `node app.js`; ours through
// the CLI (`otel-instrument node app.js`) and through the preload alone (`node --import
// <dist/register.mjs> app.js`, what `node --import otel-instrument/register` resolves to); the
// rivals (./rivals.mjs). With --ours-variants, ours also runs exporting over gRPC, with metrics
// off, with the sampler off and without the frameworks' INTERNAL spans: what each part costs.
import { dirname, join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { APPS, appFile } from './apps.mjs';
import { cleanEnv } from './processes.mjs';

const ROOT = join(dirname(fileURLToPath(import.meta.url)), '..', '..');
export const CLI = join(ROOT, 'bin', 'otel-instrument.js');
export const REGISTER_MJS = pathToFileURL(join(ROOT, 'dist', 'register.mjs')).href;

export const OURS = 'otel-instrument';
export const OURS_IMPORT = `${OURS} (--import)`;

export const BARE = { name: 'bare', agent: false, env: {} };
export const COMPARISON = [
  BARE,
  { name: OURS, agent: OURS, launch: 'cli', env: {} },
  { name: OURS_IMPORT, agent: OURS, launch: 'import', env: {} },
];
export const OURS_EXTRAS = [
  // The same, exporting OTLP/gRPC (node:http2) to the sink's gRPC port instead of http/protobuf.
  { name: `${OURS}, gRPC`, agent: OURS, launch: 'cli', env: {}, grpc: true },
  // Request metrics are on by default (exported at exit here); this row is without them.
  { name: `${OURS}, metrics off`, agent: OURS, launch: 'cli', env: { OTEL_METRICS_EXPORTER: 'none' } },
  { name: `${OURS}, sampler off`, agent: OURS, launch: 'cli', env: { OTEL_TRACES_SAMPLER: 'always_off' }, recordsSpans: false },
  // The frameworks' switch: only the SERVER span, still named from the route.
  {
    name: `${OURS}, no internal spans`,
    agent: OURS,
    launch: 'cli',
    env: { OTEL_INSTRUMENTATION_EXPRESS_INTERNAL_SPANS: 'false', OTEL_INSTRUMENTATION_FASTIFY_INTERNAL_SPANS: 'false' },
    internalSpans: false,
    frameworksOnly: true,
  },
];

/** The variants that apply to an app (the frameworks' switch means nothing to a plain server). */
export const variantsFor = (variants, appName) => variants.filter((v) => !v.frameworksOnly || APPS[appName].framework);

/**
 * The node arguments of one variant of one app (`node` is process.execPath): `app.js`,
 * `otel-instrument.js … node app.js`, `--import <register> app.js` or the rival's preload flags.
 * `script` replaces the app (`['-e', '0']` for the start-up measure).
 */
export function commandLine(ctx, appName, variant, { nodeArgs = [], script } = {}) {
  const app = [...nodeArgs, ...(script ?? [appFile(appName)])];
  if (variant.agent === OURS && variant.launch === 'cli') {
    const endpoint = variant.grpc ? ['--exporter_otlp_endpoint', ctx.sinkGrpcUrl, '--exporter_otlp_protocol', 'grpc'] : ['--exporter_otlp_endpoint', ctx.sinkUrl];
    return [CLI, '--service_name', `bench-${appName}`, ...endpoint, process.execPath, ...app];
  }
  if (variant.agent === OURS) return ['--import', REGISTER_MJS, ...app];
  if (variant.rival) return [...variant.preload(APPS[appName].esm === true), ...app];
  return app;
}

/** The variant's environment: the preload route and the rivals get by env what the CLI gets by flags. */
export function variantEnv(ctx, appName, variant) {
  let agentEnv = {};
  if (variant.agent === OURS && variant.launch === 'import') agentEnv = { OTEL_SERVICE_NAME: `bench-${appName}`, OTEL_EXPORTER_OTLP_ENDPOINT: ctx.sinkUrl };
  if (variant.rival) agentEnv = variant.env(ctx, appName);
  return cleanEnv({ UPSTREAM_URL: ctx.upstreamUrl, ...ctx.pgEnv, ...agentEnv, ...(variant.rival ? {} : variant.env) });
}

/** Spans we expect an agent variant to deliver for `requests` requests; undefined when its own. */
export function expectedSpans(appName, variant, requests) {
  if (!variant.agent) return undefined;
  if (variant.recordsSpans === false) return 0;
  const app = APPS[appName];
  if (variant.spansPerRequest === null) return undefined;
  const perRequest = variant.internalSpans === false ? app.spansWithoutInternal ?? 1 : app.spansPerRequest;
  return requests * perRequest;
}
