/**
 * Watches the app's own copies of @opentelemetry/api. Nothing is patched: when a copy loads (by
 * require or import), its version, read by the hook layer from the package.json beside the
 * resolved file (1.10 exports neither VERSION nor ./package.json), decides whether our SDK must be
 * registered again through it (register-globals.ts).
 */
import { defineInstrumentation } from '../hooks/types';

export const API_COPIES_ID = 'otel-api';

export default defineInstrumentation({
  id: API_COPIES_ID,
  internal: true,
  targets: [
    {
      module: '@opentelemetry/api',
      versions: '>=1.0.0 <2',
      load: () => (require('./on-load') as typeof import('./on-load')).onApiCopyLoaded,
    },
  ],
});
