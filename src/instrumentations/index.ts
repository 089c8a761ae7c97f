/**
 * Every instrumentation we ship. Definitions are data; their patch code loads lazily.
 */
import type { InstrumentationDefinition } from '../hooks/types';
import http from './http';
import fetch from './fetch';

export const INSTRUMENTATIONS: readonly InstrumentationDefinition[] = [http, fetch];
