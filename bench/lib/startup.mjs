// Start-up cost of each agent: `node <preload> -e 0` (for ours also `otel-instrument node -e 0`),
// wall time and peak RSS, and the time from spawn to the express app (CommonJS) listening. Runs
// alternate between the variants (every variant once per round, the order rotating) and each is
// paired with the bare run of its round; the medians of those ratios are reported.
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { killGroup, pinned, startServer } from './processes.mjs';
import { median, oneLine } from './stats.mjs';
import { commandLine, variantEnv } from './variants.mjs';

// GNU time's %M: the peak RSS of the largest process of the tree (the CLI and its app alike).
const TIME = '/usr/bin/time';

function emptyScript(ctx, variant) {
  const argv = commandLine(ctx, 'plain', variant, { script: ['-e', '0'] });
  const withTime = existsSync(TIME);
  const [file, args] = pinned(ctx.cpus?.app, withTime ? TIME : process.execPath, withTime ? ['-f', '%M', process.execPath, ...argv] : argv);
  const started = process.hrtime.bigint();
  const result = spawnSync(file, args, { env: variantEnv(ctx, 'plain', variant), encoding: 'utf8', stdio: ['ignore', 'ignore', 'pipe'], timeout: 30_000 });
  const ms = Number(process.hrtime.bigint() - started) / 1e6;
  if (result.status !== 0) throw new Error(`${variant.name}: \`-e 0\` exited ${result.status ?? result.signal}: ${result.stderr.trim().slice(-500)}`);
  const kb = withTime ? Number(result.stderr.trim().split('\n').at(-1)) : NaN;
  return { ms, rssMb: Number.isFinite(kb) ? kb / 1024 : undefined };
}

async function timeToListening(ctx, variant) {
  const server = await startServer(`express (${variant.name}, start-up)`, commandLine(ctx, 'express', variant), variantEnv(ctx, 'express', variant), { cpus: ctx.cpus?.app });
  killGroup(server.child); // nothing to flush: no request was made
  await server.exited;
  return server.startupMs;
}

/** [{ variant, emptyMs, emptyRatio, rssMb, rssDeltaMb, listenMs, listenRatio }] over `runs` rounds. */
export async function measureStartup(ctx, variants, { runs, listenRuns }) {
  const samples = new Map(variants.map((v) => [v.name, { empty: [], listen: [] }]));
  const failures = [];
  const rotate = (round) => variants.map((_, i) => variants[(i + round) % variants.length]);
  for (let round = 0; round < runs; round++) {
    for (const variant of rotate(round)) {
      try {
        samples.get(variant.name).empty[round] = emptyScript(ctx, variant);
      } catch (err) {
        failures.push(oneLine(err));
      }
    }
  }
  for (let round = 0; round < listenRuns; round++) {
    for (const variant of rotate(round)) {
      try {
        samples.get(variant.name).listen[round] = await timeToListening(ctx, variant);
      } catch (err) {
        failures.push(`${variant.name}: express start-up: ${oneLine(err)}`);
      }
    }
  }
  const bare = samples.get(variants[0].name);
  const rows = variants.map((variant) => {
    const own = samples.get(variant.name);
    const paired = (list, bareList, fn) => median(list.map((x, i) => (x !== undefined && bareList[i] !== undefined ? fn(x, bareList[i]) : undefined)));
    return {
      variant: variant.name,
      emptyMs: median(own.empty.map((s) => s?.ms)),
      emptyRatio: paired(own.empty, bare.empty, (a, b) => a.ms / b.ms),
      rssMb: median(own.empty.map((s) => s?.rssMb)),
      rssDeltaMb: paired(own.empty, bare.empty, (a, b) => (a.rssMb === undefined || b.rssMb === undefined ? undefined : a.rssMb - b.rssMb)),
      listenMs: median(own.listen),
      listenRatio: paired(own.listen, bare.listen, (a, b) => a / b),
    };
  });
  process.stderr.write(`start-up: ${runs} × \`-e 0\`, ${listenRuns} × express listening per variant${failures.length ? `, ${failures.length} failed` : ''}\n`);
  return { rows, failures: [...new Set(failures)], runs, listenRuns };
}
