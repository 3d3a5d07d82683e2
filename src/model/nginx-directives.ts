// Which nginx directives a Site's extraDirectives may use: an allowlist of server-level directives
// that open no path, bind nothing and run no code, because nginx's master runs as root.
/**
 * Harmless in a server block: they tune compression, caching headers, timeouts, buffers, redirects
 * and access rules. None names a file, a directory, a listen address or a module.
 */
export const ALLOWED_DIRECTIVES: ReadonlySet<string> = new Set([
  // compression and caching
  'gzip',
  'gzip_buffers',
  'gzip_comp_level',
  'gzip_disable',
  'gzip_http_version',
  'gzip_min_length',
  'gzip_proxied',
  'gzip_types',
  'gzip_vary',
  'expires',
  'etag',
  'if_modified_since',
  // headers and charsets
  'add_header',
  'add_trailer',
  'charset',
  'charset_types',
  'override_charset',
  'source_charset',
  'default_type',
  'server_tokens',
  // client limits and timeouts
  'client_body_buffer_size',
  'client_body_timeout',
  'client_header_buffer_size',
  'client_header_timeout',
  'large_client_header_buffers',
  'keepalive_requests',
  'keepalive_timeout',
  'send_timeout',
  'limit_rate',
  'limit_rate_after',
  'lingering_close',
  'lingering_time',
  'lingering_timeout',
  'reset_timedout_connection',
  'chunked_transfer_encoding',
  'ignore_invalid_headers',
  'underscores_in_headers',
  'merge_slashes',
  'msie_padding',
  'msie_refresh',
  // sending
  'sendfile',
  'sendfile_max_chunk',
  'tcp_nodelay',
  'tcp_nopush',
  'output_buffers',
  'postpone_output',
  // listings and logging switches (no paths)
  'autoindex',
  'autoindex_exact_size',
  'autoindex_format',
  'autoindex_localtime',
  'log_not_found',
  'log_subrequest',
  'rewrite_log',
  'uninitialized_variable_warn',
  // redirects and errors (URIs, never file paths)
  'absolute_redirect',
  'port_in_redirect',
  'server_name_in_redirect',
  'error_page',
  'recursive_error_pages',
  'return',
  'rewrite',
  // access
  'allow',
  'deny',
  'satisfy',
  // FastCGI and proxy tuning (fastcgi_param is checked further below)
  'fastcgi_buffer_size',
  'fastcgi_buffering',
  'fastcgi_buffers',
  'fastcgi_busy_buffers_size',
  'fastcgi_connect_timeout',
  'fastcgi_hide_header',
  'fastcgi_ignore_headers',
  'fastcgi_intercept_errors',
  'fastcgi_keep_conn',
  'fastcgi_param',
  'fastcgi_pass_header',
  'fastcgi_read_timeout',
  'fastcgi_send_timeout',
  'proxy_buffer_size',
  'proxy_buffering',
  'proxy_buffers',
  'proxy_busy_buffers_size',
  'proxy_connect_timeout',
  'proxy_cookie_domain',
  'proxy_cookie_path',
  'proxy_hide_header',
  'proxy_http_version',
  'proxy_ignore_headers',
  'proxy_intercept_errors',
  'proxy_pass_header',
  'proxy_read_timeout',
  'proxy_redirect',
  'proxy_request_buffering',
  'proxy_send_timeout',
  'proxy_set_header',
]);

/** Why a well-known dangerous directive is refused; the first matching pattern speaks. */
const REFUSED: readonly [RegExp, string][] = [
  [
    /^(access_log|error_log)$/,
    "nginx's master (root) creates and appends to the file it names; tend writes each Site's logs under its own log dir",
  ],
  [/_temp_path$/, "nginx's master (root) creates that directory and chowns it to the worker user"],
  [/^(include|load_module)$/, 'nginx reads the file it names as root'],
  [
    /^ssl_|^auth_basic_user_file$|_file$/,
    'nginx opens the file it names (as root for ssl_*); use spec.tls for certificates',
  ],
  [
    /^(root|alias|try_files|index)$/,
    "serves files from a path other than the Site's root; use spec.root and spec.index",
  ],
  [/^(listen|server_name)$/, 'tend derives listen addresses and names from the profile and spec.domains'],
  [/^(lua|perl|js_|njs)/, 'runs code inside nginx'],
  [/^set$/, "can overwrite the variables tend's own locations use (such as $tend_fastcgi)"],
  [/^disable_symlinks$/, "tend sets it so that a symlink cannot serve another tenant's files"],
];

/** PHP settings a web server may pass per request: they would undo the Pool's open_basedir and admin values. */
const PHP_PARAMS = /^(PHP_VALUE|PHP_ADMIN_VALUE)$/i;

/**
 * Undefined when the directive (one statement, already checked for syntax) is allowed; otherwise why
 * not, naming the directive, for the loader's `file:line:col` error.
 */
export function extraDirectiveProblem(text: string): string | undefined {
  const [name = '', firstArg] = text.trim().split(/\s+/);
  if (!ALLOWED_DIRECTIVES.has(name)) {
    const why = REFUSED.find(([re]) => re.test(name))?.[1];
    return why
      ? `directive "${name}" is refused: ${why}`
      : `directive "${name}" is refused: it is not on tend's allowlist of harmless server directives ` +
          '(compression, headers, timeouts, buffers, redirects, allow/deny); see docs/decisions/0015-nginx-directives-and-tenancy.md';
  }
  if (name === 'fastcgi_param' && firstArg !== undefined && PHP_PARAMS.test(firstArg))
    return `directive "fastcgi_param ${firstArg}" is refused: it changes PHP settings (open_basedir, auto_prepend_file) behind the Pool's back; use the Pool's phpAdminValues`;
  return undefined;
}
