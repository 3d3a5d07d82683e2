// render/'s public surface: pure renderers from resources to files, their context and escapers.
export * from './types.js';
export * from './context.js';
export * from './escape.js';
export * from './template-set.js';
export * from './nginx-site.js';
export * from './php-pool.js';
export * from './render-all.js';
