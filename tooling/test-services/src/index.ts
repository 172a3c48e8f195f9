export * from './endpoints.js';
export * from './redis-server.js';
