/**
 * The flag ⇔ env table, derived mechanically from the settings table the way Python's
 * `opentelemetry-instrument` does it: drop the OTEL_ prefix and lower-case the rest
 * (`--service_name` ⇔ OTEL_SERVICE_NAME). The kebab-case spelling (`--service-name`) is accepted
 * as well, because that is what Node users type by habit.
 */
import { SETTINGS, type Setting } from '../config/settings';

export interface Flag {
  readonly setting: Setting;
  /** Without the leading dashes: `service_name`. */
  readonly snakeName: string;
  /** Without the leading dashes: `service-name`. */
  readonly kebabName: string;
}

export function snakeFlagName(env: string): string {
  return env.replace(/^OTEL_/, '').toLowerCase();
}

export function kebabFlagName(env: string): string {
  return snakeFlagName(env).replace(/_/g, '-');
}

export const FLAGS: readonly Flag[] = SETTINGS.map((setting) => ({
  setting,
  snakeName: snakeFlagName(setting.env),
  kebabName: kebabFlagName(setting.env),
}));

const ENV_BY_FLAG_NAME = new Map<string, string>();
for (const flag of FLAGS) {
  ENV_BY_FLAG_NAME.set(flag.snakeName, flag.setting.env);
  ENV_BY_FLAG_NAME.set(flag.kebabName, flag.setting.env);
}

/** The env variable a flag (either spelling, without dashes) sets; undefined if not ours. */
export function envForFlag(flagName: string): string | undefined {
  return ENV_BY_FLAG_NAME.get(flagName);
}

/** The `--help` line body for a flag: what it does, which variable it sets, the default. */
export function flagHelp(setting: Setting): string {
  const def = setting.default === undefined ? '' : ` (default: ${setting.default})`;
  return `${setting.env}: ${setting.description}${def}`;
}
