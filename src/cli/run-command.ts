/**
 * Runs the user's command with the preload in NODE_OPTIONS: by replacing this process with it
 * where Node.js can (exec-command.ts), otherwise as a child (spawn-command.ts). Either way the
 * command is found on PATH first, so "not found" and "not executable" are one line and 127 / 126.
 */
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { readLauncherMode } from '../config';
import { log } from '../log';
import { unsupportedNodeMessage } from '../node-support';
import { canExec, execCommand } from './exec-command';
import { resolveCommand } from './resolve-command';

/** file:// URL of dist/register.mjs. A URL needs no quoting in NODE_OPTIONS even with spaces (%20). */
export function registerModuleUrl(): string {
  return pathToFileURL(join(__dirname, '..', 'register.mjs')).href;
}

/**
 * NODE_OPTIONS with `--import <registerUrl>` appended after what the user had, unless an
 * `--import` of our preload is already there (a nested `otel-instrument`, or the user's own).
 */
export function nodeOptionsWithPreload(existing: string | undefined, registerUrl: string): string {
  const current = (existing ?? '').trim();
  const already = current.split(/\s+/).some((token, i, tokens) => {
    const target = token.startsWith('--import=') ? token.slice('--import='.length) : token === '--import' ? tokens[i + 1] : undefined;
    return target !== undefined && (target === registerUrl || target.replace(/^["']|["']$/g, '') === 'otel-instrument/register');
  });
  if (already) return current;
  const preload = `--import ${registerUrl}`;
  return current === '' ? preload : `${current} ${preload}`;
}

/** Runs the command; this process ends with it (or becomes it). */
export function runCommand(command: readonly string[], envOverrides: Readonly<Record<string, string>>): void {
  const file = command[0];
  const env: NodeJS.ProcessEnv = { ...process.env, ...envOverrides };
  const registerUrl = registerModuleUrl();
  const oldNode = unsupportedNodeMessage();
  if (oldNode !== undefined) {
    // The command most likely runs on this same old Node.js: no preload, so that an `--import`
    // it cannot parse never stops the app, and this is the one line the user sees.
    process.stderr.write(`[otel-instrument] ${oldNode}\n`);
  } else if (existsSync(fileURLToPath(registerUrl))) {
    env.NODE_OPTIONS = nodeOptionsWithPreload(env.NODE_OPTIONS, registerUrl);
  } else {
    // A broken install must not stop the app: without this check Node itself would fail with
    // ERR_MODULE_NOT_FOUND before the app's first line.
    log.warnOnce('OTELI_W_PRELOAD_MISSING', `${fileURLToPath(registerUrl)} not found (incomplete build or install?); running ${file} without tracing`);
  }

  const resolved = resolveCommand(file, env.PATH);
  if (!resolved.ok) {
    process.stderr.write(`otel-instrument: ${resolved.message}\n`);
    process.exit(resolved.exitCode);
  }
  if (readLauncherMode(env) === 'exec' && canExec()) execCommand(resolved.path, command, env);
  // Required only here: node:child_process brings node:net, the streams and dgram, ~30
  // builtins the exec path never uses.
  else (require('./spawn-command') as typeof import('./spawn-command')).spawnCommand(resolved.path, command, env);
}
