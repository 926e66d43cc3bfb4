// `npm run rebuild:electron`: rebuilds better-sqlite3 against Electron's ABI before packaging
// (onnxruntime-node and sharp are N-API and need no rebuild). The rebuild replaces the Node build that
// the CLI and the tests use, so the Node binary is kept aside first and put back if anything fails:
// an offline machine ends with a clear message and the install it had, never a half-built module.
// `--restore` puts the Node build back after packaging.
import { copyFileSync, existsSync, mkdirSync, readFileSync, rmSync } from 'node:fs';
import { homedir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..', '..');
const moduleDir = join(root, 'node_modules', 'better-sqlite3');
const release = join(moduleDir, 'build', 'Release');
const binary = join(release, 'better_sqlite3.node');
// Outside build/: node-gyp deletes that whole folder before it compiles.
const nodeCopy = join(moduleDir, '.node-build', `better_sqlite3.node-abi-${process.versions.modules}.node`);
const HEADERS_URL = 'https://www.electronjs.org/headers';

function fail(message) {
  process.stderr.write(`rebuild:electron: ${message}\n`);
  process.exit(1);
}

function restoreNodeBuild() {
  if (!existsSync(nodeCopy)) return false;
  mkdirSync(release, { recursive: true });
  copyFileSync(nodeCopy, binary);
  return true;
}

if (process.argv.includes('--restore')) {
  if (!restoreNodeBuild()) fail(`no saved Node build at ${nodeCopy}; run \`npm rebuild better-sqlite3\` to compile one`);
  process.stdout.write(`rebuild:electron: restored the Node build of better-sqlite3 (${binary})\n`);
  process.exit(0);
}

if (!existsSync(binary)) fail(`better-sqlite3 is not built (${binary} is missing): run \`npm install\` first`);
const electronPackage = join(root, 'node_modules', 'electron', 'package.json');
if (!existsSync(electronPackage)) fail('the electron package is not installed: run `npm install` first');
const electronVersion = JSON.parse(readFileSync(electronPackage, 'utf8')).version;

// Compiling needs Electron's headers: cached by an earlier run, or downloadable. Check before touching
// anything, so an offline machine keeps its working install.
const cachedHeaders = join(homedir(), '.electron-gyp', electronVersion, 'include', 'node', 'node.h');
if (!existsSync(cachedHeaders)) {
  const url = `${HEADERS_URL}/v${electronVersion}/node-v${electronVersion}-headers.tar.gz`;
  try {
    const response = await fetch(url, { method: 'HEAD', signal: AbortSignal.timeout(15_000) });
    if (!response.ok) throw new Error(`HTTP ${response.status}`);
  } catch (error) {
    fail(
      `cannot rebuild better-sqlite3 for Electron ${electronVersion}: its C++ headers are not cached (${cachedHeaders})\n` +
        `  and cannot be downloaded from ${url} (${error instanceof Error ? (error.cause?.code ?? error.message) : String(error)}).\n` +
        '  Connect to the network and run `npm run rebuild:electron` again. Nothing was changed.',
    );
  }
}

// Keep the Node build (only if it is one: a second run must not overwrite it with an Electron build).
if (!existsSync(nodeCopy)) {
  mkdirSync(dirname(nodeCopy), { recursive: true });
  copyFileSync(binary, nodeCopy);
}

const { rebuild } = await import('@electron/rebuild');
try {
  await rebuild({ buildPath: root, electronVersion, onlyModules: ['better-sqlite3'], force: true, types: ['prod'] });
} catch (error) {
  restoreNodeBuild();
  const reason = error instanceof Error ? error.message.split('\n')[0] : String(error);
  fail(
    `could not rebuild better-sqlite3 for Electron ${electronVersion}: ${reason}\n` +
      '  See the node-gyp output above (a lost connection while downloading headers, or a missing compiler).\n' +
      `  Nothing changed: better-sqlite3 has its Node build back (${binary}).`,
  );
}
rmSync(join(release, 'obj.target'), { recursive: true, force: true });
process.stdout.write(
  `rebuild:electron: better-sqlite3 rebuilt for Electron ${electronVersion}.\n` +
    'The CLI and tests need the Node build back after packaging: `node resources/scripts/rebuild-electron.mjs --restore`.\n',
);
