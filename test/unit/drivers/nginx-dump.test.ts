// `nginx -T` read into server blocks (decision 0032): names, sockets, file and line; upstream
// members, comments, quotes and stream servers are not vhosts.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { listenSocket, parseNginxDump, socketsOverlap } from '../../../src/drivers/nginx/nginx-dump.js';
import { foreignDomainClaims } from '../../../src/model/index.js';
import { resource } from '../render/fixtures.js';

const DUMP = `# configuration file /etc/nginx/nginx.conf:
http {
    upstream app { server 127.0.0.1:9000; }
    include /etc/nginx/sites-enabled/*;
}
stream { server { listen 5353; } }

# configuration file /etc/nginx/sites-enabled/legacy:
# server { server_name commented.out; }
server {
    listen 8080 default_server;
    listen [::]:8080;
    server_name Docs.Example.com "quoted.example.com";
    return 200 "a ; { tricky } body";
}

# configuration file /etc/nginx/sites-enabled/docs.conf:
# managed by tend: Site/docs (do not edit: tend reverts manual changes)
server {
    listen 127.0.0.1:8080;
    server_name docs.example.com;
}
`;

test('server blocks with their file, line, names and sockets; tend-managed ones name their Site', () => {
  const blocks = parseNginxDump(DUMP);
  assert.deepEqual(blocks, [
    {
      file: '/etc/nginx/sites-enabled/legacy',
      line: 2,
      names: ['docs.example.com', 'quoted.example.com'],
      listens: [
        { address: '0.0.0.0', port: 8080 },
        { address: '[::]', port: 8080 },
      ],
    },
    {
      file: '/etc/nginx/sites-enabled/docs.conf',
      line: 2,
      names: ['docs.example.com'],
      listens: [{ address: '127.0.0.1', port: 8080 }],
      site: 'docs',
    },
  ]);
});

test('listen forms and which sockets accept the same connections', () => {
  assert.deepEqual(listenSocket('80'), { address: '0.0.0.0', port: 80 });
  assert.deepEqual(listenSocket('*:443'), { address: '0.0.0.0', port: 443 });
  assert.deepEqual(listenSocket('localhost'), { address: 'localhost', port: 80 });
  assert.equal(listenSocket('unix:/run/x.sock'), undefined);
  assert.ok(socketsOverlap({ address: '0.0.0.0', port: 80 }, { address: '127.0.0.1', port: 80 }));
  assert.ok(!socketsOverlap({ address: '127.0.0.2', port: 80 }, { address: '127.0.0.1', port: 80 }));
  assert.ok(!socketsOverlap({ address: '[::]', port: 80 }, { address: '127.0.0.1', port: 80 }));
});

test('a foreign claim on the same socket is a conflict; on another port, or by tend itself, none', () => {
  const live = {
    stamp: 's',
    blocks: parseNginxDump(DUMP),
    listen: { address: '127.0.0.1', port: 8080, tlsPort: 8443 },
  };
  const docs = resource('Site', 'docs', {
    domains: ['www.docs.example.com', 'DOCS.example.com'],
    preset: 'static',
    root: '/srv/d',
  });
  const issues = foreignDomainClaims([docs], live);
  assert.equal(issues.length, 1);
  assert.deepEqual(issues[0]!.path, ['spec', 'domains', 1]);
  assert.match(issues[0]!.message, /\/etc\/nginx\/sites-enabled\/legacy:2/);
  const elsewhere = { ...live, listen: { ...live.listen, port: 9090 } };
  assert.deepEqual(foreignDomainClaims([docs], elsewhere), []);
});
