// Layout's public surface.
export * from './layout.js';
