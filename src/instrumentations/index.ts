/**
 * Every instrumentation we ship. Definitions are data; their patch code loads lazily.
 */
import type { InstrumentationDefinition } from '../hooks/types';
import http from './http';
import fetch from './fetch';
import apiCopies from '../api-copies';
import foreignTracers from '../foreign-tracers';

export const INSTRUMENTATIONS: readonly InstrumentationDefinition[] = [http, fetch, apiCopies, foreignTracers];
