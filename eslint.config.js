// Lint: typescript-eslint + svelte, plus the import boundaries that keep the architecture honest:
// the renderer never imports engine code; only engine/storage imports better-sqlite3; only
// engine/inference imports onnxruntime-node; nothing outside src-main/electron imports electron.
import js from '@eslint/js';
import tseslint from 'typescript-eslint';
import svelte from 'eslint-plugin-svelte';
import globals from 'globals';

const restrict = (patterns) => ['error', { patterns }];

const sqlite = { group: ['better-sqlite3'], message: 'Only src-main/engine/storage may import better-sqlite3.' };
const ort = { group: ['onnxruntime-node', 'onnxruntime-common'], message: 'Only src-main/engine/inference may import onnxruntime-node.' };
const electron = { regex: '^electron(/.*)?$', message: 'Only the Electron adapter (src-main/electron, src-main/index.ts, src-preload) may import electron.' };
const engineFromRenderer = {
  group: ['**/src-main/engine/**', '**/src-main/cli/**', '**/src-main/serve/**', '**/src-main/electron/**', '**/src-main/transport/**', 'node:*'],
  message: 'The renderer talks to the engine only through src-main/contract.',
};

export default tseslint.config(
  { ignores: ['out/**', 'dist/**', 'node_modules/**', 'test-results/**', 'unitscope-demo/**', 'bench/.work/**', 'resources/**/*.py'] },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  ...svelte.configs['flat/recommended'],
  {
    languageOptions: { globals: { ...globals.node } },
    rules: {
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_' }],
      'no-restricted-imports': restrict([sqlite, ort, electron]),
    },
  },
  {
    files: ['src-main/engine/storage/**'],
    rules: { 'no-restricted-imports': restrict([ort, electron]) },
  },
  {
    files: ['src-main/engine/inference/**'],
    rules: { 'no-restricted-imports': restrict([sqlite, electron]) },
  },
  {
    files: ['src-main/electron/**', 'src-main/index.ts', 'src-preload/**'],
    rules: { 'no-restricted-imports': restrict([sqlite, ort]) },
  },
  {
    files: ['src-renderer/src/**/*.ts', 'src-renderer/src/**/*.svelte'],
    languageOptions: { globals: { ...globals.browser } },
    rules: { 'no-restricted-imports': restrict([sqlite, ort, electron, engineFromRenderer]) },
  },
  {
    files: ['**/*.svelte', '**/*.svelte.ts'],
    languageOptions: { parserOptions: { parser: tseslint.parser, extraFileExtensions: ['.svelte'] } },
  },
  {
    // Tests may reach any module to check it, including the storage and inference internals.
    files: ['test/**', 'bench/**'],
    rules: { 'no-restricted-imports': restrict([electron]) },
  },
);
