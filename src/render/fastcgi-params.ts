// The FastCGI parameters every PHP location passes, in one list. The embedded profile's nginx.conf
// sets them once at http level and PHP locations inherit them: written into each of 1,000 vhosts
// they were parsed and hashed 1,000 times, a third of every `nginx -t` and reload. The system
// profile cannot touch Debian's nginx.conf, so there each PHP location writes them out.
export const FASTCGI_PARAMS: readonly string[] = [
  'SCRIPT_FILENAME $document_root$fastcgi_script_name',
  'SCRIPT_NAME $fastcgi_script_name',
  'PATH_INFO $fastcgi_path_info',
  'QUERY_STRING $query_string',
  'REQUEST_METHOD $request_method',
  'CONTENT_TYPE $content_type',
  'CONTENT_LENGTH $content_length',
  'REQUEST_URI $request_uri',
  'DOCUMENT_URI $document_uri',
  'DOCUMENT_ROOT $document_root',
  'SERVER_PROTOCOL $server_protocol',
  'REQUEST_SCHEME $scheme',
  'HTTPS $https if_not_empty',
  'GATEWAY_INTERFACE CGI/1.1',
  'SERVER_SOFTWARE nginx',
  'REMOTE_ADDR $remote_addr',
  'REMOTE_PORT $remote_port',
  'SERVER_ADDR $server_addr',
  'SERVER_PORT $server_port',
  'SERVER_NAME $server_name',
  'HTTP_HOST $host',
  'REDIRECT_STATUS 200',
  // httpoxy: a client's Proxy header must not become the application's HTTP_PROXY.
  'HTTP_PROXY ""',
];

/** nginx inherits fastcgi_param only into a level that sets none itself (server or location). */
export const setsFastcgiParam = (directive: string) => /^\s*fastcgi_param\s/.test(directive);
