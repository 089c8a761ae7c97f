/**
 * `http` / `https` builtins: SERVER spans for incoming requests, CLIENT spans for outgoing ones.
 * The patch code loads only when the app first loads one of them.
 */
import { defineInstrumentation } from '../../hooks/types';

export default defineInstrumentation({
  id: 'http',
  targets: [
    { module: 'http', versions: '*', load: () => require('./patch').patchHttp },
    { module: 'https', versions: '*', load: () => require('./patch').patchHttps },
  ],
});
