// `npm run bench -- [NAME] [--json]`: runs the benchmarks in bench/ (each file exports `run()`), one
// after the other so they do not compete for the cores. With --json, prints one JSON object per line
// (name, value, unit, and for ratios both measured sides); otherwise a readable line per result.
// NAME is a benchmark name (db_queries) or its file (db-queries); omitted, every benchmark runs.
import { readdirSync } from 'node:fs';
import { basename, join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

export interface BenchResult {
  name: string;
  value: number;
  unit: string;
  [key: string]: unknown;
}

const benchDir = fileURLToPath(new URL('.', import.meta.url));

function benchFiles(): string[] {
  return readdirSync(benchDir)
    .filter((f) => f.endsWith('.ts') && f !== 'run.ts' && !f.startsWith('_'))
    .sort();
}

function fileFor(name: string): string {
  return `${name.toLowerCase().replace(/_/g, '-').replace(/\.ts$/, '')}.ts`;
}

function describe(result: BenchResult): string {
  const extras = Object.entries(result)
    .filter(([k]) => !['name', 'value', 'unit'].includes(k))
    .map(([k, v]) => `${k}=${typeof v === 'number' ? Number(v.toPrecision(4)) : JSON.stringify(v)}`)
    .join(' ');
  return `${result.name.padEnd(28)} ${Number(result.value.toPrecision(4))} ${result.unit}${extras ? `  (${extras})` : ''}`;
}

async function main(argv: string[]): Promise<number> {
  const json = argv.includes('--json');
  const names = argv.filter((a) => !a.startsWith('--'));
  const available = benchFiles();
  const selected = names.length === 0 ? available : names.map(fileFor);
  for (const file of selected) {
    if (!available.includes(file)) {
      process.stderr.write(`bench: no benchmark '${basename(file, '.ts')}' (have: ${available.map((f) => basename(f, '.ts')).join(', ')})\n`);
      return 2;
    }
  }
  for (const file of selected) {
    process.stderr.write(`bench: running ${basename(file, '.ts')}...\n`);
    const module = (await import(pathToFileURL(join(benchDir, file)).href)) as { run(): Promise<BenchResult[]> };
    for (const result of await module.run()) {
      process.stdout.write(`${json ? JSON.stringify(result) : describe(result)}\n`);
    }
  }
  return 0;
}

process.exitCode = await main(process.argv.slice(2));
