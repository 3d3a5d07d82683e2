// Lint rules for tend. The restricted-imports block keeps model/, render/, plan/ and directives/ pure:
// they may not reach the host, the drivers or any module that does I/O. A second block keeps the
// loop (controller/) off the drivers' internals: it reaches them only through drivers/index.ts.
// test/unit/lint/rooms.test.ts proves both fire.
import js from '@eslint/js';
import tseslint from 'typescript-eslint';

const ioModules = [
  'fs',
  'node:fs',
  'fs/promises',
  'node:fs/promises',
  'child_process',
  'node:child_process',
  'net',
  'node:net',
  'http',
  'node:http',
  'os',
  'node:os',
  'execa',
  'chokidar',
  'fastify',
  'pino',
];
const pureRooms = ['src/model/**/*.ts', 'src/render/**/*.ts', 'src/plan/**/*.ts', 'src/directives/**/*.ts'];

export default tseslint.config(
  { ignores: ['dist/**', 'node_modules/**', 'coverage/**', '.tend/**', 'test/fixtures/**/*.js'] },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  {
    languageOptions: {
      globals: {
        process: 'readonly',
        console: 'readonly',
        setTimeout: 'readonly',
        clearTimeout: 'readonly',
        setInterval: 'readonly',
        clearInterval: 'readonly',
        Buffer: 'readonly',
        URL: 'readonly',
      },
    },
    rules: {
      // tend matches control characters on purpose: that is how hostile input is refused.
      'no-control-regex': 'off',
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_' }],
    },
  },
  {
    // The dashboard's browser modules (type-checked by web/tsconfig.json).
    files: ['web/**/*.js'],
    languageOptions: {
      sourceType: 'module',
      globals: Object.fromEntries(
        [
          'window',
          'document',
          'location',
          'fetch',
          'EventSource',
          'MessageEvent',
          'sessionStorage',
          'Element',
          'HTMLElement',
          'WebSocket',
          'performance',
          'AbortController',
          'TextDecoderStream',
        ].map((name) => [name, 'readonly']),
      ),
    },
  },
  {
    files: pureRooms,
    rules: {
      'no-restricted-imports': [
        'error',
        {
          paths: ioModules.map((name) => ({
            name,
            message: 'model/, render/, plan/ and directives/ are pure: no I/O.',
          })),
          patterns: [
            {
              group: [
                '**/host/**',
                '**/drivers/**',
                '**/apply/**',
                '**/state/**',
                '**/supervisor/**',
                '**/controller/**',
                '**/pipeline/**',
                '**/status/**',
                '**/runtime/**',
                '**/observe/**',
                '**/api/**',
                '**/cli/**',
                '**/source/**',
                '**/import/**',
              ],
              message: 'model/, render/, plan/ and directives/ are pure: they may not import I/O rooms.',
            },
          ],
        },
      ],
    },
  },
  {
    files: ['src/controller/**/*.ts'],
    rules: {
      'no-restricted-imports': [
        'error',
        {
          patterns: [
            {
              group: ['**/drivers/**', '!**/drivers/index.js'],
              message: 'controller/ is the loop: import drivers only through src/drivers/index.ts.',
            },
          ],
        },
      ],
    },
  },
);
