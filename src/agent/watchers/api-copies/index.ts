/**
 * Watches the app's own copies of @opentelemetry/api. Nothing is patched: when a copy loads (by
 * require or import), its version, read by the hook layer from the package.json beside the
 * resolved file (1.10 exports neither VERSION nor ./package.json), decides whether our SDK must be
 * registered again through it (../../globals.ts).
 */
import { watch } from '../../../hooks/watch';

export const apiCopiesWatcher = watch('otel-api', '@opentelemetry/api', '>=1.0.0 <2', () => (require('./on-load') as typeof import('./on-load')).onApiCopyLoaded);
