// Lint rules that guard the design: floating promises, one adapter per vendor client, and the house's import
// boundaries (base/ imports neither topology/ nor node/; topology/ never imports node/; a folder of node/ is
// entered through its index.ts only; only the composition roots import the etcd adapter, everything else codes
// against node/coordination-ports, so nothing pulls etcd3 in for a type or a helper). Import cycles are checked by dpdm (npm run lint), which follows the .ts
// imports exactly.
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

/** Import boundaries between the top-level folders, as regular expressions over the import path. */
const boundaries = {
  // `../other/file.ts` (any depth of `../`): another folder's file other than its index. Generated code is exempt.
  throughIndex: {
    regex: '^(\\.\\./)+(?!generated/)[^./][^/]*/(?!index\\.ts$).+$',
    message: 'import another folder through its index.ts (its only public door), not a file behind it',
  },
  topologyNotNode: {
    regex: '^(\\.\\./)+node/',
    message: 'topology/ never imports node/: what both need lives in base/',
  },
  etcdAdapter: {
    regex: '^(\\.\\./)+(node/)?coordination/',
    message:
      'only the composition roots (node/supervisor, node/cli) import the etcd adapter node/coordination: ' +
      'import the interfaces and helpers from node/coordination-ports',
  },
  baseAlone: {
    regex: '^(\\.\\./)+(node|topology)/',
    message: 'base/ imports neither node/ nor topology/',
  },
};

/** Folders that compose the node or the CLI from adapters: they alone import the etcd adapter. */
const compositionRoots = ['node/supervisor', 'node/cli'];

/** The `no-restricted-imports` setting for files of one folder. */
function restrictedImports({ vendorFolder, extraPatterns = [], isCompositionRoot = false } = {}) {
  return [
    'error',
    {
      paths: vendorAdapters
        .filter((v) => v.folder !== vendorFolder)
        .map((v) => ({ name: v.name, message: `only ${v.folder}/ imports ${v.name}` })),
      patterns: [
        boundaries.throughIndex,
        ...(isCompositionRoot ? [] : [boundaries.etcdAdapter]),
        ...extraPatterns,
      ],
    },
  ];
}

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
      'no-restricted-imports': restrictedImports(),
    },
  },
  // Each adapter folder may import its own vendor client; tests may exercise vendor clients directly.
  ...adapterFolders.map((folder) => ({
    files: [`${folder}/**`],
    rules: { 'no-restricted-imports': restrictedImports({ vendorFolder: folder }) },
  })),
  ...compositionRoots.map((folder) => ({
    files: [`${folder}/**`],
    rules: { 'no-restricted-imports': restrictedImports({ isCompositionRoot: true }) },
  })),
  {
    files: ['topology/**'],
    rules: { 'no-restricted-imports': restrictedImports({ extraPatterns: [boundaries.topologyNotNode] }) },
  },
  {
    files: ['base/**'],
    rules: { 'no-restricted-imports': restrictedImports({ extraPatterns: [boundaries.baseAlone] }) },
  },
  { files: ['test/**', 'scripts/**'], rules: { 'no-restricted-imports': 'off' } },
  { files: ['**/*.js', '**/*.mjs'], ...tseslint.configs.disableTypeChecked },
  { files: ['**/*.mjs'], languageOptions: { globals: { console: 'readonly', process: 'readonly' } } },
);
