/**
 * What we trace, as the README's support table and `bootstrap` show it, derived from the
 * definitions (never written twice): a test fails when the README's table differs from this.
 */
import { mechanismOf, type InstrumentationDefinition } from '../kit/definition';
import { builtinName } from '../hooks/builtin';
import { INSTRUMENTATIONS } from '.';

export interface SupportRow {
  readonly id: string;
  readonly library: string;
  /** Each target module with its range ('built in' for Node's own modules), in definition order. */
  readonly versions: string;
  readonly how: string;
}

function versionsOf(def: InstrumentationDefinition): string {
  if (def.targets.length === 0) return 'any that publishes the channels';
  const byModule = new Map<string, string[]>();
  for (const target of def.targets) {
    const ranges = byModule.get(target.module) ?? [];
    if (!ranges.includes(target.versions)) ranges.push(target.versions);
    byModule.set(target.module, ranges);
  }
  return [...byModule]
    .map(([module, ranges]) => (builtinName(module) !== undefined ? `\`${module}\` built in` : `\`${module}\` ${ranges.map((r) => `\`${r}\``).join(', ')}`))
    .join('; ');
}

function howOf(def: InstrumentationDefinition): string {
  const channels = def.channels?.on.map((c) => `\`${c.channel}\``).join(', ');
  return channels === undefined ? mechanismOf(def) : `${mechanismOf(def)} ${channels}`;
}

export function supportRows(definitions: readonly InstrumentationDefinition[] = INSTRUMENTATIONS): SupportRow[] {
  return definitions.map((def) => ({ id: def.id, library: def.library, versions: versionsOf(def), how: howOf(def) }));
}

export function supportTableMarkdown(definitions: readonly InstrumentationDefinition[] = INSTRUMENTATIONS): string {
  const lines = ['| id (for `OTEL_NODE_*_INSTRUMENTATIONS`) | library | versions | how |', '|---|---|---|---|'];
  for (const row of supportRows(definitions)) lines.push(`| \`${row.id}\` | ${row.library} | ${row.versions} | ${row.how} |`);
  return lines.join('\n');
}
