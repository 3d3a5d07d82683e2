// The services tend validates and reloads, named once so that every room (plan, apply, state, the
// pipeline, status, runtime) can import the name without reaching into render/.

/** The service that must validate and reload after a file changes. php-fpm is per version. */
export type ServiceId = 'nginx' | `php-fpm@${string}` | 'supervisord' | 'none';
