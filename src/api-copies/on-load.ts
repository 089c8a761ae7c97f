/**
 * The "patch" of the otel-api definition: it only observes, and hands the exports back untouched.
 */
import type { PatchFunction } from '../hooks/types';
import { adoptApiCopy } from '../register-globals';

export const onApiCopyLoaded: PatchFunction = (exports, _ctx, version) => {
  adoptApiCopy(exports, version, version === undefined ? '(version unknown)' : version);
  return undefined;
};
