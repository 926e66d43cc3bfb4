// Lint: typescript-eslint + svelte, plus the import boundaries that keep the architecture honest.
// Two kinds of rules:
// - package boundaries for the whole tree (no-restricted-imports): only engine/storage imports
//   better-sqlite3, only engine/inference onnxruntime-node, nothing outside the Electron adapter electron;
// - an allow-list of imports per layer (local/layers, VS Code's code-import-patterns idea): each folder
//   below lists what it may import besides its own files. Adding an arrow between layers is then one
//   visible edit here, not an accident.
import { dirname, relative, resolve, sep } from 'node:path';
import { fileURLToPath } from 'node:url';
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

// ---- layers: what each folder may import besides its own files ------------------------------------
// Entries are repository paths (a folder covers everything below it, a file itself) or packages
// ('node:*' for Node's built-ins, 'pkg/*' for a package's subpaths). Folders not listed are unchecked.
const CONTRACT = 'src-main/contract';
const PIPELINE = ['src-main/engine/pipeline-types.ts', 'src-main/engine/errors.ts'];
const LAYERS = {
  // Arithmetic over sufficient statistics: no I/O, no storage, no runtime (worker threads to use every core).
  'src-main/engine/stats': [CONTRACT, ...PIPELINE, 'src-main/engine/random.ts', 'src-main/engine/module-worker.ts', '@stdlib/*', 'node:worker_threads'],
  // SQL and nothing else: rows in, domain types out (and the project's write lock, an OS file lock).
  'src-main/engine/storage': [CONTRACT, ...PIPELINE, 'better-sqlite3', 'fs-native-extensions', 'zod', 'node:*'],
  // The one onnxruntime owner: never runs (orchestration) or storage.
  'src-main/engine/inference': [CONTRACT, ...PIPELINE, 'src-main/engine/onnx', 'src-main/engine/stats', 'src-main/engine/stimuli/decode.ts', 'onnxruntime-node', 'node:*'],
  // Orchestration of runs: reads and writes through storage, computes through inference and stats
  // (the image bootstrap's layers on worker threads: its workers need both).
  'src-main/engine/runs': [
    CONTRACT,
    ...PIPELINE,
    'src-main/engine/module-worker.ts',
    'src-main/engine/project.ts',
    'src-main/engine/version.ts',
    'src-main/engine/build-info.ts',
    'src-main/engine/storage',
    'src-main/engine/inference',
    'src-main/engine/stats',
    'src-main/engine/jobs',
    'src-main/engine/models/hash.ts',
    'zod',
    '@stdlib/*',
    'node:*',
  ],
  // The command line reaches the engine through the contract (an in-process client) only.
  // It draws the same publication figures and report as the app: the renderer's pure figure and report
  // modules (functions of StudyData, no DOM or Svelte; ECharts renders SVG server-side).
  'src-main/cli': [
    CONTRACT,
    'src-main/engine/connect.ts',
    'src-main/engine/engine.ts',
    'src-main/engine/errors.ts',
    'src-main/engine/version.ts',
    'src-main/serve',
    'src-renderer/src/charts/figures',
    'src-renderer/src/lib/methods-text.ts',
    'src-renderer/src/lib/report.ts',
    'tsx/*',
    'node:*',
  ],
  // Serve mode: an HTTP + WebSocket transport in front of an engine, and the renderer build it serves.
  'src-main/serve': ['src-main/engine/connect.ts', 'src-main/engine/engine.ts', 'src-main/transport', 'src-renderer/vite.config.ts', 'ws', 'vite', 'node:*'],
  // The renderer: Svelte, ECharts, the contract (and zod, the contract's schema types); the Method screen
  // bundles docs/method.md (rendered with marked) so every explanation's link opens offline.
  'src-renderer/src': [CONTRACT, 'svelte', 'svelte/*', 'echarts/*', 'zod', 'marked', 'docs/method.md'],
};

const root = dirname(fileURLToPath(import.meta.url));
const toRepo = (file) => relative(root, file).split(sep).join('/');
const within = (path, entry) => path === entry || path.startsWith(`${entry}/`);

function packageAllowed(spec, allow) {
  return allow.some((entry) => {
    if (entry === 'node:*') return spec.startsWith('node:');
    if (entry.endsWith('/*')) return spec.startsWith(entry.slice(0, -1));
    return spec === entry;
  });
}

const layersRule = {
  meta: { type: 'problem', schema: [], messages: { outside: "{{folder}} may not import '{{spec}}' ({{target}}); its allowed imports are listed in eslint.config.js (LAYERS)." } },
  create(context) {
    const file = toRepo(context.filename);
    const folder = Object.keys(LAYERS).find((f) => within(file, f));
    if (!folder) return {};
    const allow = LAYERS[folder];
    const check = (node) => {
      const spec = node.source?.value;
      if (typeof spec !== 'string') return;
      if (!spec.startsWith('.')) {
        if (!packageAllowed(spec, allow)) context.report({ node: node.source, messageId: 'outside', data: { folder, spec, target: 'a package' } });
        return;
      }
      // Vite's query suffixes ('?raw', '?url') name how a file is imported, not another file.
      const target = toRepo(resolve(dirname(context.filename), spec.split('?')[0]));
      if (within(target, folder) || allow.some((entry) => !entry.includes('*') && within(target, entry))) return;
      context.report({ node: node.source, messageId: 'outside', data: { folder, spec, target } });
    };
    return { ImportDeclaration: check, ExportNamedDeclaration: check, ExportAllDeclaration: check, ImportExpression: check };
  },
};

export default tseslint.config(
  { ignores: ['out/**', 'dist/**', 'node_modules/**', 'test-results/**', 'unitscope-demo/**', 'bench/.work/**', 'resources/**/*.py'] },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  ...svelte.configs['flat/recommended'],
  {
    languageOptions: { globals: { ...globals.node } },
    plugins: { local: { rules: { layers: layersRule } } },
    rules: {
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_' }],
      'no-restricted-imports': restrict([sqlite, ort, electron]),
      'local/layers': 'error',
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
    // run reaches shard-commands (run --shard); the way back would close a circle: shared options live
    // in recipe-options.ts.
    files: ['src-main/cli/commands/shard-commands.ts'],
    rules: { 'no-restricted-imports': restrict([sqlite, ort, electron, { group: ['./run-commands.ts'], message: 'run-commands imports this module; shared CLI options belong in recipe-options.ts.' }]) },
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
