// Packaging downloads Electron and cannot run here, so this checks the installer configuration the way
// electron-builder itself reads it: its own loader and schema validation, and its own file matcher
// applied to the paths the packed app must (the built app, the native modules) and must not (sources,
// tests) contain.
import { execFileSync } from 'node:child_process';
import { createRequire } from 'node:module';
import { existsSync, readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

const projectDir = fileURLToPath(new URL('../../', import.meta.url)).replace(/\/$/, '');
const require = createRequire(`${projectDir}/package.json`);

interface FileSet {
  filter?: string | string[];
}
interface PlatformOptions {
  target?: unknown;
  icon?: string;
  files?: Array<string | FileSet>;
}
interface BuilderConfig extends PlatformOptions {
  asar?: boolean;
  extraResources?: Array<{ from: string; to: string }>;
  electronFuses?: Record<string, boolean>;
  files: Array<string | FileSet>;
  asarUnpack: string[];
  npmRebuild?: boolean;
  directories?: { output?: string; buildResources?: string };
  fileAssociations?: Array<{ ext: string; name?: string; icon?: string }>;
  win?: PlatformOptions;
  mac?: PlatformOptions;
  linux?: PlatformOptions;
  nsis?: { installerIcon?: string };
}

type Filter = (file: string, stat: { isDirectory(): boolean }) => boolean;
const { getConfig, validateConfiguration } = require('app-builder-lib/out/util/config/config.js') as {
  getConfig(dir: string, path: string | null, options: null): Promise<BuilderConfig>;
  validateConfiguration(config: BuilderConfig, logger: unknown): Promise<void>;
};
const { FileMatcher } = require('app-builder-lib/out/fileMatcher.js') as {
  FileMatcher: new (from: string, to: string, expand: (s: string) => string, patterns?: string[]) => {
    patterns: string[];
    addPattern(p: string): void;
    prependPattern(p: string): void;
    createFilter(): Filter;
  };
};
const { DebugLogger } = require('builder-util') as { DebugLogger: new (enabled: boolean) => unknown };
const { Minimatch } = require('minimatch') as { Minimatch: new (p: string, o: object) => { match(p: string): boolean } };

const config = await getConfig(projectDir, null, null);
const fileStat = { isDirectory: () => false };

function patternsOf(files: Array<string | FileSet> | undefined): string[] {
  return (files ?? []).flatMap((f) => (typeof f === 'string' ? [f] : [f.filter ?? []].flat()));
}

/** The app-folder filter for one platform, as getMainFileMatchers builds it (user patterns + node_modules excluded). */
function appFilter(platform: PlatformOptions | undefined): Filter {
  const matcher = new FileMatcher(projectDir, '/', (s) => s, [...patternsOf(config.files), ...patternsOf(platform?.files)]);
  if (!matcher.patterns.includes('package.json')) matcher.addPattern('package.json');
  matcher.prependPattern('!**/node_modules/**');
  return matcher.createFilter();
}

/** The filter applied inside production node_modules: only the exclusions count (getNodeModuleFileMatcher). */
function moduleFilter(platform: PlatformOptions | undefined): Filter {
  const matcher = new FileMatcher(projectDir, '/', (s) => s);
  for (const p of [...patternsOf(config.files), ...patternsOf(platform?.files)]) if (p.startsWith('!')) matcher.addPattern(p);
  matcher.prependPattern('**/*');
  return matcher.createFilter();
}

const packs = (filter: Filter, path: string) => filter(`${projectDir}/${path}`, fileStat);
const unpacked = (path: string) => config.asarUnpack.some((p) => new Minimatch(p, { dot: true }).match(path));

const NATIVES = [
  'node_modules/better-sqlite3/build/Release/better_sqlite3.node',
  'node_modules/better-sqlite3/lib/database.js',
  'node_modules/onnxruntime-node/dist/binding.js',
  'node_modules/onnxruntime-node/bin/napi-v6/linux/x64/onnxruntime_binding.node',
  'node_modules/onnxruntime-node/bin/napi-v6/linux/x64/libonnxruntime.so.1',
  'node_modules/sharp/lib/index.js',
  'node_modules/@img/sharp-linux-x64/lib/sharp-linux-x64.node',
];

describe('electron-builder configuration', () => {
  it('is the file electron-builder loads and passes its schema', async () => {
    expect(existsSync(`${projectDir}/electron-builder.yml`)).toBe(true);
    await expect(validateConfiguration(config, new DebugLogger(false))).resolves.toBeUndefined();
    const pkg = JSON.parse(readFileSync(`${projectDir}/package.json`, 'utf8')) as { main: string; scripts: Record<string, string>; devDependencies: Record<string, string>; dependencies: Record<string, string>; build?: unknown };
    expect(pkg.build).toBeUndefined(); // one source of truth
    expect(pkg.main).toBe('out/main/index.js');
    expect(pkg.devDependencies['electron-builder']).toBeDefined();
    expect(pkg.scripts.dist).toMatch(/build.*rebuild:electron.*electron-builder/);
    // Production dependencies are what electron-builder copies into the app: the natives must be there.
    for (const name of ['better-sqlite3', 'onnxruntime-node', 'sharp']) expect(pkg.dependencies[name], name).toBeDefined();
  });

  it('targets NSIS, dmg, AppImage and deb with icons that exist', () => {
    expect(JSON.stringify(config.win?.target)).toContain('nsis');
    expect(JSON.stringify(config.mac?.target)).toContain('dmg');
    expect(JSON.stringify(config.linux?.target)).toContain('AppImage');
    expect(JSON.stringify(config.linux?.target)).toContain('deb');
    const resources = `${projectDir}/${config.directories?.buildResources ?? 'build'}`;
    for (const icon of [config.win?.icon, config.mac?.icon, config.nsis?.installerIcon]) {
      expect(icon).toBeDefined();
      expect(existsSync(`${resources}/${icon}`), `${icon}`).toBe(true);
    }
    expect(existsSync(`${resources}/${config.linux?.icon}/256x256.png`)).toBe(true);
    // An .icns is made from a PNG of at least 512 px: check the source's real size.
    const png = readFileSync(`${resources}/${config.mac?.icon}`);
    expect(png.readUInt32BE(16)).toBeGreaterThanOrEqual(512);
    const ico = readFileSync(`${resources}/${config.win?.icon}`);
    expect(ico.readUInt16LE(2)).toBe(1); // ICO type
    expect(ico.readUInt16LE(4)).toBeGreaterThanOrEqual(4); // several sizes
  });

  it('associates .unitscope files with the app', () => {
    const association = config.fileAssociations?.find((a) => a.ext === 'unitscope');
    expect(association?.name).toBeTruthy();
    expect(association?.icon).toBeTruthy();
  });

  for (const [platform, options] of [['linux', config.linux], ['win', config.win], ['mac', config.mac]] as const) {
    it(`${platform}: packs the built app and package.json, not sources, tests or maps`, () => {
      const filter = appFilter(options);
      for (const path of ['out/main/index.js', 'out/main/engine-host.js', 'out/preload/index.cjs', 'out/renderer/index.html', 'out/renderer/assets/index-abc123.js', 'package.json']) {
        expect(packs(filter, path), path).toBe(true);
      }
      for (const path of [
        'src-main/index.ts',
        'src-main/engine/engine.ts',
        'src-renderer/src/App.svelte',
        'src-renderer/index.html',
        'src-preload/index.ts',
        'test/electron/builder-config.test.ts',
        'test/browser/app-walk.test.ts',
        'bench/run.ts',
        'docs/desktop.md',
        'resources/scripts/rebuild-electron.mjs',
        'out/main/index.js.map',
        'electron-builder.yml',
        'tsconfig.json',
        'vitest.config.ts',
      ]) {
        expect(packs(filter, path), path).toBe(false);
      }
    });
  }

  it('keeps the native modules in node_modules and unpacks them from the asar archive', () => {
    const filter = moduleFilter(config.linux);
    for (const path of NATIVES) {
      expect(packs(filter, path), path).toBe(true);
      expect(unpacked(path), path).toBe(true);
    }
    // Build leftovers of better-sqlite3 stay out; pure JS dependencies stay inside the archive.
    expect(packs(filter, 'node_modules/better-sqlite3/deps/sqlite3/sqlite3.c')).toBe(false);
    expect(packs(filter, 'node_modules/better-sqlite3/build/Release/obj.target/better_sqlite3.o')).toBe(false);
    expect(unpacked('node_modules/zod/index.js')).toBe(false);
    expect(unpacked('node_modules/echarts/index.js')).toBe(false);
  });

  it('ships each platform only its own onnxruntime binaries', () => {
    const linux = 'node_modules/onnxruntime-node/bin/napi-v6/linux/x64/onnxruntime_binding.node';
    const win = 'node_modules/onnxruntime-node/bin/napi-v6/win32/x64/onnxruntime_binding.node';
    const mac = 'node_modules/onnxruntime-node/bin/napi-v6/darwin/arm64/onnxruntime_binding.node';
    expect([packs(moduleFilter(config.linux), linux), packs(moduleFilter(config.linux), win), packs(moduleFilter(config.linux), mac)]).toEqual([true, false, false]);
    expect([packs(moduleFilter(config.win), win), packs(moduleFilter(config.win), linux)]).toEqual([true, false]);
    expect([packs(moduleFilter(config.mac), mac), packs(moduleFilter(config.mac), win)]).toEqual([true, false]);
  });

  it('flips the Electron fuses: no run-as-node, NODE_OPTIONS or inspect; app code only from an integrity-checked asar', () => {
    expect(config.electronFuses).toMatchObject({
      runAsNode: false,
      enableNodeOptionsEnvironmentVariable: false,
      enableNodeCliInspectArguments: false,
      enableEmbeddedAsarIntegrityValidation: true,
      onlyLoadAppFromAsar: true,
    });
    expect(config.asar).not.toBe(false); // onlyLoadAppFromAsar needs the archive
    // The engine must not rely on ELECTRON_RUN_AS_NODE (runAsNode off): it is a utilityProcess.
    const main = readFileSync(`${projectDir}/src-main/index.ts`, 'utf8');
    expect(main).toMatch(/utilityProcess\.fork\(/);
    expect(main).not.toMatch(/child_process|ELECTRON_RUN_AS_NODE/);
  });

  it('ships every resource folder the engine looks up at run time', () => {
    // findResource('onnx', ...) in the packaged app resolves under process.resourcesPath/onnx.
    const sources = execFileSync('grep', ['-rhoE', "findResource\\('[a-z]+'", `${projectDir}/src-main`], { encoding: 'utf8' });
    const folders = [...new Set([...sources.matchAll(/findResource\('([a-z]+)'/g)].map((m) => m[1]!))];
    expect(folders.length).toBeGreaterThan(0);
    for (const folder of folders) {
      const entry = config.extraResources?.find((r) => r.to === folder);
      expect(entry, `extraResources ships ${folder}`).toBeDefined();
      expect(existsSync(`${projectDir}/${entry!.from}`)).toBe(true);
    }
  });

  it('natives are rebuilt by our script, not twice', () => {
    expect(config.npmRebuild).toBe(false);
    expect(existsSync(`${projectDir}/resources/scripts/rebuild-electron.mjs`)).toBe(true);
  });
});
