// The model's public surface: import from here, not from the individual kind files.
export * from './envelope.js';
export * from './primitives.js';
export * from './site.js';
export * from './pool.js';
export * from './program.js';
export * from './terminal.js';
export * from './job.js';
export * from './resource.js';
export * from './rules.js';
export * from './privilege.js';
export * from './json-schema.js';
export * from './nginx-directives.js';
export * from './tenancy.js';
export * from './process-fields.js';
export * from './domain-claims.js';
export * from './accounts-exist.js';
