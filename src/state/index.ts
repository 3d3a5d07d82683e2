// The state dir's public surface: inventory, journal, status, events and the lock.
export * from './conditions.js';
export * from './events.js';
export * from './inventory-store.js';
export * from './journal.js';
export * from './lock.js';
export * from './state-fs.js';
export * from './status-source.js';
export * from './status-store.js';
