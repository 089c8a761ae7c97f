/**
 * Which instrumentation definitions run, from OTEL_NODE_ENABLED_INSTRUMENTATIONS /
 * OTEL_NODE_DISABLED_INSTRUMENTATIONS (already parsed into the Config), and the module lists the
 * require and import hooks are limited to.
 */
import type { Config } from '../config/types';
import type { InstrumentationDefinition } from '../kit/definition';
import { builtinName } from './builtin';
import { log } from '../log';

// The contrib packages' names are accepted too: '@opentelemetry/instrumentation-pg' means 'pg'.
const CONTRIB_PREFIX = '@opentelemetry/instrumentation-';

function normalizeId(id: string): string {
  const lower = id.trim().toLowerCase();
  return lower.startsWith(CONTRIB_PREFIX) ? lower.slice(CONTRIB_PREFIX.length) : lower;
}

function checkKnown(ids: readonly string[], known: ReadonlySet<string>, setting: string): Set<string> {
  const out = new Set<string>();
  for (const raw of ids) {
    const id = normalizeId(raw);
    if (id === '') continue;
    if (!known.has(id)) {
      log.warnOnce(
        'OTELI_W_UNKNOWN_INSTRUMENTATION',
        `${setting} names "${raw.trim()}", which is not a known instrumentation (known: ${[...known].join(', ')}); ignored`,
      );
    }
    out.add(id);
  }
  return out;
}

type SelectionConfig = Pick<Config, 'enabledInstrumentations' | 'disabledInstrumentations'>;

export interface Selection {
  readonly enabled: InstrumentationDefinition[];
  /** Each definition turned off, with the setting that turned it off. */
  readonly disabled: Array<{ def: InstrumentationDefinition; by: string }>;
}

/**
 * Which definitions run. An id in the disabled list is off even when it is also enabled; an
 * undefined enabled list means "all".
 */
export function selectInstrumentations(definitions: readonly InstrumentationDefinition[], config: SelectionConfig): Selection {
  const known = new Set(definitions.map((d) => normalizeId(d.id)));
  const enabledIds =
    config.enabledInstrumentations === undefined
      ? undefined
      : checkKnown(config.enabledInstrumentations, known, 'OTEL_NODE_ENABLED_INSTRUMENTATIONS');
  const disabledIds = checkKnown(config.disabledInstrumentations, known, 'OTEL_NODE_DISABLED_INSTRUMENTATIONS');

  const selection: Selection = { enabled: [], disabled: [] };
  for (const def of definitions) {
    const id = normalizeId(def.id);
    if (disabledIds.has(id)) {
      log.debug(`instrumentation ${def.id} off: listed in OTEL_NODE_DISABLED_INSTRUMENTATIONS`);
      selection.disabled.push({ def, by: 'OTEL_NODE_DISABLED_INSTRUMENTATIONS' });
    } else if (enabledIds !== undefined && !enabledIds.has(id)) {
      log.debug(`instrumentation ${def.id} off: not listed in OTEL_NODE_ENABLED_INSTRUMENTATIONS`);
      selection.disabled.push({ def, by: 'OTEL_NODE_ENABLED_INSTRUMENTATIONS (not listed)' });
    } else {
      selection.enabled.push(def);
    }
  }
  return selection;
}

/** The enabled definitions alone. */
export function selectDefinitions(definitions: readonly InstrumentationDefinition[], config: SelectionConfig): InstrumentationDefinition[] {
  return selectInstrumentations(definitions, config).enabled;
}

/** A target's module as hooks see it: builtins without 'node:' ('node:http' → 'http'). */
export function targetModuleName(module: string): string {
  return builtinName(module) ?? module;
}

/** A target's file as a '/'-separated path relative to the package root ('./lib/a.js' → 'lib/a.js'). */
export function targetFileName(file: string | undefined): string | undefined {
  if (file === undefined) return undefined;
  const clean = file.replace(/\\/g, '/').replace(/^(\.\/)+/, '').replace(/^\/+/, '');
  return clean === '' ? undefined : clean;
}

/** Every module name the definitions (and the watchers) target, once each. */
export function targetModuleNames(definitions: readonly InstrumentationDefinition[], watchedModules: readonly string[] = []): string[] {
  const names = new Set<string>();
  for (const def of definitions) for (const t of def.targets) names.add(targetModuleName(t.module));
  for (const module of watchedModules) names.add(targetModuleName(module));
  return [...names];
}

function escapeRegExp(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}

/**
 * What the ESM loader wraps: the module names (bare specifiers; import-in-the-middle adds the
 * 'node:' spelling of builtins itself) and, for targets with a `file`, a pattern on the file's URL,
 * since such a file is usually imported by a relative specifier from inside its package.
 */
export function loaderIncludeList(definitions: readonly InstrumentationDefinition[], watchedModules: readonly string[] = []): Array<string | RegExp> {
  const out: Array<string | RegExp> = targetModuleNames(definitions, watchedModules);
  const seen = new Set<string>();
  for (const def of definitions) {
    for (const t of def.targets) {
      const file = targetFileName(t.file);
      if (file === undefined) continue;
      const source = `/node_modules/${escapeRegExp(t.module)}/${escapeRegExp(file)}$`;
      if (seen.has(source)) continue;
      seen.add(source);
      out.push(new RegExp(source));
    }
  }
  return out;
}
