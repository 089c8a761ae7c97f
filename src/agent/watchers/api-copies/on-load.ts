/**
 * What the otel-api watcher does when a copy loads: it only observes.
 */
import { adoptApiCopy } from '../../globals';

export function onApiCopyLoaded(exports: unknown, version: string | undefined): void {
  adoptApiCopy(exports, version, version === undefined ? '(version unknown)' : version);
}
