// The drivers' public entry: the service contract and how to get a backend's driver. The loop
// (controller/) imports drivers only through this file (a lint rule in eslint.config.js holds it
// to that), so a backend's internals can change without the loop noticing. Rooms that bridge to
// one backend (pipeline/, runtime/, observe/) may still import that backend's modules.
export type { ReloadOptions, ReloadResult, ServiceDriver, ValidationResult } from './service.js';
export { serviceDriverFor, type ServiceContext, type ServiceManager } from './services.js';
export type {
  RuntimeApplyChange,
  RuntimeApplyResult,
  RuntimeDriver,
  RuntimeInstance,
  RuntimeObservation,
} from './runtime.js';
export { NativeProgramsDriver } from './programs-native.js';
export { BuiltinTerminalsDriver, type TerminalsDriverOptions } from './terminals-builtin.js';
export { JobsDriver } from './jobs-native.js';
export { SupervisordProgramsDriver } from './programs-supervisord.js';
