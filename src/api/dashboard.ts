// GET / and its assets: the dashboard's static files (web/dashboard/, plain JS type-checked with
// // @ts-check) served by @fastify/static under a Content-Security-Policy that allows only them.
import { existsSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import fastifyStatic from '@fastify/static';
import type { FastifyInstance } from 'fastify';

export const DASHBOARD_CSP = [
  "default-src 'none'",
  "script-src 'self'",
  "style-src 'self'",
  "connect-src 'self'",
  "img-src 'self'",
  "base-uri 'none'",
  "form-action 'none'",
  "frame-ancestors 'none'",
].join('; ');

/**
 * The package's web/dashboard directory: two levels up from src/api when run from source, three from
 * dist/src/api when built; found by walking up so both layouts (and an installed package) work.
 */
export function dashboardRoot(from = dirname(fileURLToPath(import.meta.url))): string {
  for (let dir = from, i = 0; i < 6; i++, dir = dirname(dir)) {
    const candidate = join(dir, 'web', 'dashboard');
    if (existsSync(join(candidate, 'index.html'))) return candidate;
  }
  throw new Error(`the dashboard's files (web/dashboard/index.html) are missing above ${from}`);
}

export function registerDashboard(app: FastifyInstance, root = dashboardRoot()): void {
  void app.register(fastifyStatic, {
    root,
    prefix: '/',
    index: ['index.html'],
    // Only the listed files: no directory listing, no dotfiles.
    list: false,
    dotfiles: 'deny',
    // The files change with the package, so a reload after an upgrade must not mix versions.
    cacheControl: false,
    etag: true,
    setHeaders(res) {
      res.header('Content-Security-Policy', DASHBOARD_CSP);
      res.header('Cache-Control', 'no-cache');
    },
  });
}
