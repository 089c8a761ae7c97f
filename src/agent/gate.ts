/**
 * Decides, before anything heavy loads, whether this process should be traced at all.
 * The preload arrives through NODE_OPTIONS, so it also runs inside processes nobody asked us to
 * trace: package managers (`otel-instrument npm start` must trace the app, not npm), worker
 * threads, and a second copy of the preload (`--require` plus `--import`).
 */
import { basename } from 'node:path';
import type { Config } from '../config/types';

/** One agent per process, whichever copy of the package or entry point loads first. */
export const AGENT_STATE_KEY = Symbol.for('otel-instrument.state');

export interface AgentState {
  /** The SDK and hooks are running (or were deliberately not started). */
  started: boolean;
  /** The ESM loader (import-in-the-middle) is registered. */
  esmLoaderRegistered: boolean;
  /** Read once, by whichever entry ran first. */
  config?: Config;
}

export function agentState(): AgentState {
  const g = globalThis as { [AGENT_STATE_KEY]?: AgentState };
  return (g[AGENT_STATE_KEY] ??= { started: false, esmLoaderRegistered: false });
}

// The entry scripts of package managers that inherit NODE_OPTIONS from `otel-instrument npm …`.
const PACKAGE_MANAGER_SCRIPT = /^(npm-cli|npx-cli|npm|npx|yarn|yarnpkg|pnpm|pnpx|corepack)(\.c?js)?$/;

export function isPackageManagerProcess(argv1: string | undefined = process.argv[1]): boolean {
  if (!argv1) return false;
  if (PACKAGE_MANAGER_SCRIPT.test(basename(argv1))) return true;
  // corepack shims live in .../corepack/dist/{npm,pnpm,yarn}.js, and yarn berry runs .yarn/releases/yarn-*.cjs
  return /[\\/]corepack[\\/]dist[\\/]/.test(argv1) || /[\\/]\.yarn[\\/]releases[\\/]yarn-[^\\/]*\.c?js$/.test(argv1);
}

/**
 * The preload's last line of defence: the app runs on, uninstrumented, with one line saying why.
 * Written straight to stderr because the failure may have come from loading our own logger.
 */
export function reportStartFailure(err: unknown): void {
  try {
    process.stderr.write(
      `[otel-instrument] error OTELI_E_START: the agent failed to start, the app runs uninstrumented: ${
        err instanceof Error ? err.message : String(err)
      }\n`,
    );
  } catch {
    // nothing left to report to
  }
}

/**
 * A worker thread's bootstrap loads node:worker_threads before any preload runs (Node 20 to 24),
 * so where nothing loaded it yet this is the main thread, and loading it only to ask (~3.5 ms of
 * streams and message ports) is skipped. Anywhere else the module itself answers.
 */
function onWorkerThread(): boolean {
  const loaded = (process as { moduleLoadList?: unknown }).moduleLoadList;
  if (Array.isArray(loaded) && !loaded.includes('NativeModule worker_threads')) return false;
  return !(require('node:worker_threads') as typeof import('node:worker_threads')).isMainThread;
}

/** Why this process is skipped, or undefined when it should be traced. */
export function skipReason(): string | undefined {
  if (onWorkerThread()) return 'worker thread';
  if (isPackageManagerProcess()) return `package manager (${process.argv[1]})`;
  // Our own CLI, started by an app or script that already runs under it, inherits the preload.
  if (/^otel-instrument(\.js)?$/.test(basename(process.argv[1] ?? ''))) return 'the otel-instrument CLI itself';
  return undefined;
}
