// The API's public surface: build the server, bind it, and the token helpers the CLI needs.
export * from './deps.js';
export { buildServer, apiSettings, type ServerOptions, type ApiSettings } from './server.js';
export { listen, parseListenSpec, isLoopbackHost, isLoopbackSpec, type ListenSpec } from './listen.js';
export { generateToken, readTokenFile, writeTokenFile, tokensEqual } from './token.js';
export {
  TendMetrics,
  DURATION_BUCKETS,
  PROMETHEUS_CONTENT_TYPE,
  type MetricsState,
  type MetricsResource,
} from './metrics.js';
export { maskSecrets, MASKED } from './mask.js';
export { publicPlan, type PublicPlan } from './plan-view.js';
