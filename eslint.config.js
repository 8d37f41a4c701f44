import js from '@eslint/js';
import tseslint from 'typescript-eslint';
import pluginVue from 'eslint-plugin-vue';

// The layers of DESIGN.md ("Dependency direction"), kept by lint rather than by comments:
// app, server, cli → api → engine; renderer → the renderer-safe part of api; inside the engine,
// sim and tasks never import tfjs, and tasks never imports sim. A later config object replaces an
// earlier one's options for the same rule, so each layer lists everything it may not import.
const upward = (from) => ({
  group: ['**/api/**', '**/server/**', '**/app/**', '**/cli/**', '**/renderer/**'],
  message: `${from} never imports api, server, app, cli or the renderer (DESIGN.md: app, server, cli → api → engine)`,
});
const noElectron = (from) => ({ name: 'electron', message: `${from} never imports electron` });
const noTfjs = (from) => ({
  group: ['@tensorflow/*'],
  message: `${from} never imports tfjs: simulation and task specs stay plain TypeScript (DESIGN.md)`,
});
const restrict = (from, patterns) => [
  'error',
  { paths: [noElectron(from)], patterns: [upward(from), ...patterns] },
];
const nodeOnly = (from) => ({
  group: ['node:*', '@tensorflow/*', '@duckdb/*'],
  message: `${from} runs in the browser too: no Node built-ins, tfjs or DuckDB`,
});
const layers = [
  { files: ['main/engine/**/*.ts'], rules: { 'no-restricted-imports': restrict('main/engine', []) } },
  {
    files: ['main/engine/sim/**/*.ts'],
    rules: { 'no-restricted-imports': restrict('main/engine/sim', [noTfjs('main/engine/sim')]) },
  },
  {
    files: ['main/engine/tasks/**/*.ts'],
    rules: {
      'no-restricted-imports': restrict('main/engine/tasks', [
        noTfjs('main/engine/tasks'),
        {
          group: ['**/sim/**'],
          message: 'main/engine/tasks never imports sim (sim builds envs from tasks, not the other way)',
        },
      ]),
    },
  },
  {
    // The renderer-safe contract: zod schemas, types and presentation data the renderer imports.
    files: ['main/api/contract/**/*.ts'],
    ignores: ['**/*.test.ts'],
    rules: {
      'no-restricted-imports': [
        'error',
        {
          paths: [noElectron('main/api/contract')],
          patterns: [
            {
              group: ['**/service/**', '**/server/**', '**/app/**', '**/cli/**', '**/renderer/**'],
              message:
                'main/api/contract is renderer-safe: it never imports the service, server, app, cli or renderer',
            },
            nodeOnly('main/api/contract'),
          ],
        },
      ],
    },
  },
  {
    // The renderer's shipped code (its tests run in Node and may load MuJoCo or fixtures from the engine).
    files: ['renderer/**/*.ts', 'renderer/**/*.vue'],
    ignores: ['**/*.test.ts', 'renderer/build/**', 'renderer/vite.config.ts'],
    rules: {
      'no-restricted-imports': [
        'error',
        {
          paths: [noElectron('the renderer')],
          patterns: [
            {
              group: [
                '**/main/engine/**',
                '**/main/api/service/**',
                '**/main/server/**',
                '**/main/app/**',
                '**/main/cli/**',
              ],
              message:
                'the renderer imports only the renderer-safe contract, main/api/contract/ (DESIGN.md: renderer → api)',
            },
            nodeOnly('the renderer'),
          ],
        },
      ],
    },
  },
];

export default tseslint.config(
  {
    ignores: [
      'node_modules/**',
      'workspace/**',
      'out/**',
      'dist/**',
      'coverage/**',
      '.tmp/**',
      'native/build/**',
    ],
  },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  ...pluginVue.configs['flat/recommended'],
  {
    files: ['**/*.vue'],
    languageOptions: {
      parserOptions: { parser: tseslint.parser, extraFileExtensions: ['.vue'], sourceType: 'module' },
    },
    rules: {
      // vue-tsc checks names (browser globals included); ESLint's own check does not know the DOM types.
      'no-undef': 'off',
      // Formatting is prettier's job; these rules would fight it.
      'vue/max-attributes-per-line': 'off',
      'vue/singleline-html-element-content-newline': 'off',
      'vue/html-self-closing': 'off',
      'vue/html-indent': 'off',
      'vue/html-closing-bracket-newline': 'off',
      'vue/multiline-html-element-content-newline': 'off',
    },
  },
  {
    languageOptions: { globals: { process: 'readonly', console: 'readonly', performance: 'readonly' } },
    rules: {
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_' }],
      '@typescript-eslint/no-explicit-any': 'off',
    },
  },
  ...layers,
);
