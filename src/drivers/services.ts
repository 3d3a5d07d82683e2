// The one place that maps a ServiceId to its driver, so the executor never names a backend.
import { TendError } from '../errors/catalogue.js';
import type { ServiceId } from '../model/service.js';
import type { ServiceContext } from './health/manager.js';
import { NginxDriver } from './nginx/driver.js';
import { PhpFpmDriver } from './php-fpm/driver.js';
import { SupervisordDriver } from './supervisord/driver.js';
import type { ServiceDriver } from './service.js';

export type { ServiceContext, ServiceManager } from './health/manager.js';
export { NginxDriver } from './nginx/driver.js';
export { PhpFpmDriver } from './php-fpm/driver.js';

export function serviceDriverFor(id: ServiceId, ctx: ServiceContext): ServiceDriver {
  if (id === 'nginx') return new NginxDriver(ctx);
  if (id === 'supervisord') return new SupervisordDriver({ host: ctx.host, layout: ctx.layout });
  const php = /^php-fpm@(\d+\.\d+)$/.exec(id);
  if (php?.[1]) return new PhpFpmDriver(ctx, php[1]);
  throw new TendError(
    'TEND_ERR_INTERNAL',
    `expected a service id nginx or php-fpm@<major.minor>, got ${id}`,
    {
      service: id,
    },
  );
}
