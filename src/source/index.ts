// The source room's public surface: load the desired state and its git revision.
export * from './types.js';
export { loadDesiredState, type LoadMemo, type LoadOptions } from './load.js';
export { formatLoadError, formatPath, quote, escapeText } from './describe.js';
export { gitRevision, type GitRevision } from './git.js';
export { referencesOf } from './cross.js';
export {
  codeFingerprint,
  deferredSaves,
  fileOutcomeCache,
  memoryOutcomeCache,
  type OutcomeCache,
} from './outcome-cache.js';
export { fileInSlice, hostNamesIn, hostOfFile, resourceInSlice, type HostSlice } from './host-slice.js';
