// GET / and its assets: the dashboard's static files (web/dashboard/, plain JS type-checked with
// // @ts-check) served by @fastify/static under a Content-Security-Policy that allows only them.
import fastifyStatic from '@fastify/static';
import type { FastifyInstance } from 'fastify';
import { webDir } from '../layout/web-files.js';

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

/** The package's web/dashboard directory. */
export const dashboardRoot = () => webDir('dashboard', 'index.html');

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
