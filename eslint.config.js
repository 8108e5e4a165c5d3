import tseslint from 'typescript-eslint';

/**
 * `source` is bound to a logger once, by `sourceLogger` (src/logging.ts): a log call or a child logger
 * that names it again writes the key twice on one line.
 */
const SOURCE_KEY_ONCE = {
  selector: "CallExpression[callee.property.name=/^(trace|debug|info|warn|error|fatal|child)$/] > ObjectExpression > Property[key.name='source']",
  message: 'Log through sourceLogger(logger, name) (src/logging.ts) instead of a `source` key: the key is bound once.',
};

export default tseslint.config(
  { ignores: ['dist/', 'node_modules/', 'data/', 'coverage/', 'bench/results/', '.tmp/'] },
  ...tseslint.configs.recommended,
  {
    rules: {
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_' }],
      '@typescript-eslint/consistent-type-imports': 'error',
      'no-console': 'off',
      eqeqeq: ['error', 'smart'],
    },
  },

  {
    files: ['src/**/*.ts', 'jobs/**/*.ts'],
    ignores: ['src/logging.ts'],
    rules: { 'no-restricted-syntax': ['error', SOURCE_KEY_ONCE] },
  },

  // The layering (README "Architecture"): the seat rules stay pure, adapters stay apart, SQL stays in
  // src/store. A rule broken here is a design change: change the layering in the README first.
  // The folders below narrow this first rule further (a later rule's options replace an earlier one's).
  {
    files: ['src/**/*.ts', 'jobs/**/*.ts'],
    ignores: ['src/store/**'],
    rules: {
      'no-restricted-imports': ['error', {
        patterns: [
          { group: ['**/store/*', '!**/store/repositories.ts', '!**/store/db.ts', '!**/store/migrations.ts'], message: 'Outside src/store, data is reached through the store port (src/store/repositories.ts); db.ts and migrations.ts open and migrate a database.' },
        ],
      }],
    },
  },
  {
    files: ['src/domain/**/*.ts'],
    rules: {
      'no-restricted-imports': ['error', {
        patterns: [
          { group: ['node:*', 'pg', '@electric-sql/*', 'ldapts', 'ioredis', 'bullmq', 'nodemailer', 'fastify', '@microsoft/*', '@azure/*', 'pino', 'yaml', 'csv-parse'], message: 'src/domain is pure: no I/O, no driver, no library that talks to the world.' },
          { group: ['../*'], message: 'src/domain imports only src/domain.' },
        ],
      }],
    },
  },
  {
    files: ['src/sources/**/*.ts'],
    rules: {
      'no-restricted-imports': ['error', {
        patterns: [
          { group: ['**/store/*', '**/sync/*', 'pg', '@electric-sql/*'], message: 'Sources read directories; what is stored is src/store\'s business, reached through src/sync.' },
        ],
      }],
    },
  },
  // A source kind's config (src/sources/KIND/config.ts: its zod schema, built from src/config's value
  // helpers) is loaded with every config file: it stays free of the adapter and its libraries, and
  // src/config reaches into src/sources through these files only.
  {
    files: ['src/sources/*/config.ts'],
    rules: {
      'no-restricted-imports': ['error', {
        patterns: [
          { group: ['**/store/*', '**/sync/*', 'pg', '@electric-sql/*'], message: 'Sources read directories; what is stored is src/store\'s business, reached through src/sync.' },
          { group: ['./*', 'ldapts', '@microsoft/*', '@azure/*', 'csv-parse'], message: 'A source kind\'s config is loaded with every config file: no adapter code, no directory library.' },
        ],
      }],
    },
  },
  {
    files: ['src/config/**/*.ts'],
    rules: {
      'no-restricted-imports': ['error', {
        patterns: [
          { group: ['../sources/*.ts', '../sources/*/*', '!../sources/*/config.ts'], message: 'src/config composes the source kinds\' schemas (src/sources/KIND/config.ts), never their adapters.' },
        ],
      }],
    },
  },
  {
    files: ['src/sync/**/*.ts'],
    rules: {
      'no-restricted-imports': ['error', {
        patterns: [
          { group: ['pg', 'pg-*', '@electric-sql/*'], message: 'src/sync talks to src/store, never to a database driver.' },
          { group: ['**/store/*', '!**/store/repositories.ts'], message: 'src/sync reaches the store through its port, src/store/repositories.ts (repositories per concern), never its SQL modules.' },
        ],
      }],
      'no-restricted-syntax': ['error', {
        selector: "CallExpression[callee.property.name=/^(query|exec|copyRows)$/]",
        message: 'SQL lives in src/store: add a store function and call it.',
      }, SOURCE_KEY_ONCE],
    },
  },
);

