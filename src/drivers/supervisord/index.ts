// The supervisord backend's public surface: client, observation, sync and the service driver.
export * from './client.js';
export * from './xmlrpc.js';
export * from './observe.js';
export * from './sync.js';
export * from './main-config.js';
export * from './validate.js';
export * from './daemon.js';
export * from './driver.js';
