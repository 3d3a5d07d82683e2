// Host's public surface.
export * from './host.js';
export * from './real-host.js';
export * from './read-all.js';
