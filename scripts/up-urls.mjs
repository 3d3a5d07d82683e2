// Helper of scripts/up.sh: asks a running tend serve whether it is ready (or whether anything holds the
// API's address), and prints the URLs of the example sites (from their domains), the API, and any
// Terminal's URL from its status outputs.
import { request } from 'node:http';

const [api, what, httpPort] = process.argv.slice(2);
const [host, port] = api.split(':');

function get(path) {
  return new Promise((resolve, reject) => {
    const req = request({ host, port: Number(port), path, agent: false }, (res) => {
      let body = '';
      res.on('data', (d) => (body += d));
      res.on('end', () => {
        try {
          resolve({ status: res.statusCode, body: body ? JSON.parse(body) : undefined });
        } catch (err) {
          reject(err);
        }
      });
    });
    req.setTimeout(2000, () => req.destroy(new Error('timeout')));
    req.on('error', reject);
    req.end();
  });
}

if (what === 'ready') {
  const r = await get('/readyz');
  process.exit(r.status === 200 ? 0 : 1);
}
if (what === 'taken') {
  // Anything that accepts the connection, tend or not, is in the way of starting one there.
  const taken = await get('/healthz').then(
    () => true,
    (err) => err.code !== 'ECONNREFUSED',
  );
  process.exit(taken ? 0 : 1);
}
const { body } = await get('/v1/resources');
console.log('\ntend is serving:');
for (const item of body.items) {
  if (item.kind === 'Site') {
    const url = item.status?.outputs?.url ?? `http://${item.spec?.domains?.[0]}:${httpPort}/`;
    console.log(`  ${item.key.padEnd(18)} ${url}  (${item.status?.phase ?? 'Pending'})`);
  } else if (item.kind === 'Terminal') {
    const url = item.status?.outputs?.url;
    console.log(
      `  ${item.key.padEnd(18)} ${url ?? '(no URL yet: see tend status ' + item.key + ')'}` +
        (url ? `  (log in: node bin/tend terminal open ${item.name})` : ''),
    );
  }
}
console.log(`  ${'API'.padEnd(18)} http://${api}/  (dashboard, /v1/resources, /metrics)`);
console.log('  *.localhost resolves to 127.0.0.1 in browsers and curl; elsewhere add them to /etc/hosts');
