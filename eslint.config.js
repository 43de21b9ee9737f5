// Lint rules that guard the design: floating promises and one adapter per vendor client.
// Import cycles are checked by dpdm (npm run lint), which follows the .ts imports exactly.
import js from '@eslint/js';
import tseslint from 'typescript-eslint';

/** Vendor clients and the only folder allowed to import each (tests may use them directly). */
const vendorAdapters = [
  { name: 'kafkajs', folder: 'node/kafka' },
  { name: 'etcd3', folder: 'node/coordination' },
  { name: '@grpc/grpc-js', folder: 'node/rpc' },
  { name: '@grpc/proto-loader', folder: 'node/rpc' },
  { name: 'grpc-health-check', folder: 'node/rpc' },
];
const adapterFolders = [...new Set(vendorAdapters.map((v) => v.folder))];

export default tseslint.config(
  { ignores: ['node_modules/**', '.cache/**', 'proto/gen/**', 'node/rpc/generated/**'] },
  js.configs.recommended,
  ...tseslint.configs.recommendedTypeChecked,
  {
    languageOptions: {
      parserOptions: { projectService: { allowDefaultProject: ['eslint.config.js', 'scripts/*.mjs'] } },
    },
    rules: {
      '@typescript-eslint/no-floating-promises': [
        'error',
        {
          allowForKnownSafeCalls: [
            {
              from: 'package',
              name: ['describe', 'it', 'test', 'suite', 'before', 'after'],
              package: 'node:test',
            },
          ],
        },
      ],
      '@typescript-eslint/no-misused-promises': 'error',
      '@typescript-eslint/consistent-type-imports': 'error',
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_' }],
      'no-restricted-imports': [
        'error',
        {
          paths: vendorAdapters.map((v) => ({
            name: v.name,
            message: `only ${v.folder}/ imports ${v.name}`,
          })),
        },
      ],
    },
  },
  // Each adapter folder may import its own vendor client; tests may exercise vendor clients directly.
  ...adapterFolders.map((folder) => ({
    files: [`${folder}/**`],
    rules: {
      'no-restricted-imports': [
        'error',
        {
          paths: vendorAdapters
            .filter((o) => o.folder !== folder)
            .map((o) => ({ name: o.name, message: `only ${o.folder}/ imports ${o.name}` })),
        },
      ],
    },
  })),
  { files: ['test/**', 'scripts/**'], rules: { 'no-restricted-imports': 'off' } },
  { files: ['**/*.js', '**/*.mjs'], ...tseslint.configs.disableTypeChecked },
  { files: ['**/*.mjs'], languageOptions: { globals: { console: 'readonly', process: 'readonly' } } },
);
