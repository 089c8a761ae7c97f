/**
 * The agent's own watchers, installed with the hooks whatever instrumentations are enabled.
 */
import type { ModuleWatcher } from '../../hooks/watch';
import { apiCopiesWatcher } from './api-copies';
import { foreignTracerWatchers } from './foreign-tracers';

export const WATCHERS: readonly ModuleWatcher[] = [apiCopiesWatcher, ...foreignTracerWatchers];
