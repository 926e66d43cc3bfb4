// `export`: a finished run as files other tools read: units.* (one row per unit x target category),
// layers.* (the results table), manifest.json (everything needed to reproduce the run) and load.py /
// load.R. Units are streamed one (layer, category) chunk at a time, whatever the size of the run.
import { closeSync, createWriteStream, openSync, writeFileSync, writeSync } from 'node:fs';
import { once } from 'node:events';
import { finished } from 'node:stream/promises';
import { basename, join, resolve, dirname } from 'node:path';
import { ParquetWriter, fileWriter } from 'hyparquet-writer';
import type { ColumnSource } from 'hyparquet-writer';
import { Zip, ZipPassThrough } from 'fflate';
import type { Progress } from '../../contract/protocol.ts';
import type { ExportFormat, ExportResult } from '../../contract/results-types.ts';
import type { LayerCategoryRow } from '../../contract/types.ts';
import { EngineError, throwIfAborted } from '../errors.ts';
import type { Project } from '../project.ts';
import { readRunManifest } from '../storage/runs-store.ts';
import { resultsTable, requireRun } from '../runs/results-queries.ts';
import { chunkColumnReader, EXPORT_VALUE_COLUMNS, planExport, unitCoordinates, type ExportPlan } from './unit-chunks.ts';
import { bytesOf, npyHeader, npyStrings, type NpyDescr } from './npy.ts';
import { loadPy, loadR } from './load-scripts.ts';
import { APP_VERSION } from '../version.ts';
import type { Confinement } from '../path-confinement.ts';
import { writeExportFolder } from './export-folder.ts';

export interface ExportOptions {
  run: number;
  format: ExportFormat;
  out?: string | undefined;
  layers?: readonly string[] | undefined;
  /** Serve mode: the shared folders the export (and its staging folder beside it) must stay in. */
  confinement?: Confinement | undefined;
}

export interface ExportHooks {
  signal?: AbortSignal | undefined;
  progress?: ((p: Progress) => void) | undefined;
}

/** float32 values printed with 9 significant digits: enough to read back the identical float32. */
function f32(v: number): string {
  if (Number.isNaN(v)) return '';
  if (!Number.isFinite(v)) return v > 0 ? 'inf' : '-inf';
  return String(Number(v.toPrecision(9)));
}

function f64(v: number): string {
  if (Number.isNaN(v)) return '';
  if (!Number.isFinite(v)) return v > 0 ? 'inf' : '-inf';
  return String(v);
}

function csvField(s: string): string {
  return /[",\n]/.test(s) ? `"${s.replace(/"/g, '""')}"` : s;
}

function metricKeys(rows: readonly LayerCategoryRow[]): string[] {
  const keys = new Set<string>();
  for (const r of rows) for (const k of Object.keys(r.metrics)) keys.add(k);
  return [...keys].sort();
}

const LAYER_BASE = ['model', 'layer', 'layer_index', 'depth', 'category', 'units', 'selective', 'proportion', 'images'] as const;

function layerTable(rows: readonly LayerCategoryRow[]): { header: string[]; values: (string | number | null)[][] } {
  const keys = metricKeys(rows);
  return {
    header: [...LAYER_BASE, ...keys],
    values: rows.map((r) => [r.model, r.layer, r.layerIndex, r.depth, r.category, r.units, r.selective, r.proportion, r.images, ...keys.map((k) => r.metrics[k] ?? null)]),
  };
}

async function writeChunks(path: string, produce: (write: (s: string) => Promise<void>) => Promise<void>): Promise<void> {
  const stream = createWriteStream(path);
  const failed = once(stream, 'error').then(([error]) => {
    throw error;
  });
  const write = async (s: string) => {
    if (!stream.write(s)) await Promise.race([once(stream, 'drain'), failed]);
  };
  // A failure that comes before the stream has opened still ends up here, not as an unhandled rejection.
  failed.catch(() => {});
  try {
    await produce(write);
  } catch (error) {
    // Closed before the caller removes the staging folder, so the stream never opens a file in a folder gone.
    stream.destroy();
    await finished(stream).catch(() => {}); // settles at once when the stream has closed already (a full disk)
    throw error;
  }
  stream.end();
  await Promise.race([once(stream, 'finish'), failed]);
}

const UNIT_HEADER = ['model', 'layer', 'unit', 'channel', 'y', 'x', 'category', ...EXPORT_VALUE_COLUMNS.map((c) => c.name)];

async function exportCsv(project: Project, runId: number, model: string, plan: ExportPlan, dir: string, hooks: ExportHooks, rows: LayerCategoryRow[]): Promise<string[]> {
  const readColumn = chunkColumnReader(project, runId);
  const unitsPath = join(dir, 'units.csv');
  let done = 0;
  await writeChunks(unitsPath, async (write) => {
    await write(`${UNIT_HEADER.join(',')}\n`);
    for (const chunk of plan.chunks) {
      throwIfAborted(hooks.signal, 'the export');
      const values = EXPORT_VALUE_COLUMNS.map((c) => ({ column: c, data: readColumn(chunk, c) }));
      const { channel, y, x } = unitCoordinates(chunk.tap);
      const prefix = `${csvField(model)},${csvField(chunk.tap.name)},`;
      const category = csvField(chunk.category);
      let buffer = '';
      for (let u = 0; u < chunk.rows; u++) {
        let line = `${prefix}${u},${channel[u]},${y[u]},${x[u]},${category}`;
        for (const { column, data } of values) {
          const v = data[u]!;
          line += `,${column.dtype === 'u8' ? String(v) : column.dtype === 'f64' ? f64(v) : f32(v)}`;
        }
        buffer += `${line}\n`;
        if (buffer.length > 1 << 20) {
          await write(buffer);
          buffer = '';
        }
      }
      await write(buffer);
      done += chunk.rows;
      hooks.progress?.({ phase: 'export', done, total: plan.rows, unit: 'rows' });
    }
  });
  const layersPath = join(dir, 'layers.csv');
  const table = layerTable(rows);
  const lines = [table.header.join(','), ...table.values.map((r) => r.map((v) => (v === null ? '' : typeof v === 'number' ? f64(v) : csvField(v))).join(','))];
  writeFileSync(layersPath, `${lines.join('\n')}\n`);
  return [unitsPath, layersPath];
}

async function exportParquet(project: Project, runId: number, model: string, plan: ExportPlan, dir: string, hooks: ExportHooks, rows: LayerCategoryRow[]): Promise<string[]> {
  const readColumn = chunkColumnReader(project, runId);
  const unitsPath = join(dir, 'units.parquet');
  const createdBy = `unitscope ${APP_VERSION}`;
  const writer = new ParquetWriter({
    writer: fileWriter(unitsPath),
    createdBy,
    schema: [
      { name: 'root', num_children: UNIT_HEADER.length },
      { name: 'model', type: 'BYTE_ARRAY', converted_type: 'UTF8', repetition_type: 'REQUIRED' },
      { name: 'layer', type: 'BYTE_ARRAY', converted_type: 'UTF8', repetition_type: 'REQUIRED' },
      { name: 'unit', type: 'INT32', repetition_type: 'REQUIRED' },
      { name: 'channel', type: 'INT32', repetition_type: 'REQUIRED' },
      { name: 'y', type: 'INT32', repetition_type: 'REQUIRED' },
      { name: 'x', type: 'INT32', repetition_type: 'REQUIRED' },
      { name: 'category', type: 'BYTE_ARRAY', converted_type: 'UTF8', repetition_type: 'REQUIRED' },
      { name: 'selective', type: 'BOOLEAN', repetition_type: 'REQUIRED' },
      ...EXPORT_VALUE_COLUMNS.filter((c) => c.dtype !== 'u8').map((c) => ({
        name: c.name,
        type: c.dtype === 'f64' ? ('DOUBLE' as const) : ('FLOAT' as const),
        repetition_type: 'REQUIRED' as const,
      })),
    ],
  });
  let done = 0;
  for (const chunk of plan.chunks) {
    throwIfAborted(hooks.signal, 'the export');
    const { unit, channel, y, x } = unitCoordinates(chunk.tap);
    const columnData: ColumnSource[] = [
      { name: 'model', data: new Array<string>(chunk.rows).fill(model), nullable: false },
      { name: 'layer', data: new Array<string>(chunk.rows).fill(chunk.tap.name), nullable: false },
      { name: 'unit', data: unit, nullable: false },
      { name: 'channel', data: channel, nullable: false },
      { name: 'y', data: y, nullable: false },
      { name: 'x', data: x, nullable: false },
      { name: 'category', data: new Array<string>(chunk.rows).fill(chunk.category), nullable: false },
    ];
    for (const c of EXPORT_VALUE_COLUMNS) {
      const data = readColumn(chunk, c);
      columnData.push({ name: c.name, data: c.dtype === 'u8' ? Array.from(data, (v) => v === 1) : data, nullable: false });
    }
    await writer.write({ columnData, rowGroupSize: 100_000 });
    done += chunk.rows;
    hooks.progress?.({ phase: 'export', done, total: plan.rows, unit: 'rows' });
  }
  await writer.finish();

  const layersPath = join(dir, 'layers.parquet');
  const table = layerTable(rows);
  const layerWriter = new ParquetWriter({
    writer: fileWriter(layersPath),
    createdBy,
    schema: [
      { name: 'root', num_children: table.header.length },
      ...table.header.map((name, i) => {
        const text = i === 0 || i === 1 || i === 4;
        return text
          ? { name, type: 'BYTE_ARRAY' as const, converted_type: 'UTF8' as const, repetition_type: 'REQUIRED' as const }
          : { name, type: 'DOUBLE' as const, repetition_type: 'OPTIONAL' as const };
      }),
    ],
  });
  await layerWriter.write({
    columnData: table.header.map((name, i) => ({ name, data: table.values.map((r) => r[i] ?? null) as (string | number | null)[] })),
  });
  await layerWriter.finish();
  return [unitsPath, layersPath];
}

/** Streams a zip of .npy members (stored, uncompressed: the data are floats that barely compress). */
class NpzWriter {
  private readonly fd: number;
  private readonly zip: Zip;
  private error: Error | null = null;

  constructor(readonly path: string) {
    this.fd = openSync(path, 'w');
    this.zip = new Zip((err, data) => {
      if (err) this.error = err;
      else writeSync(this.fd, data);
    });
  }

  member(name: string, descr: NpyDescr, length: number): { push(data: Uint8Array): void; end(): void } {
    const file = new ZipPassThrough(`${name}.npy`);
    this.zip.add(file);
    file.push(npyHeader(descr, length));
    return {
      push: (data) => {
        file.push(data);
        if (this.error) throw this.error;
      },
      end: () => file.push(new Uint8Array(0), true),
    };
  }

  close(): void {
    this.zip.end();
    closeSync(this.fd);
    if (this.error) throw this.error;
  }
}

async function exportNpz(project: Project, runId: number, model: string, plan: ExportPlan, dir: string, hooks: ExportHooks, rows: LayerCategoryRow[]): Promise<string[]> {
  const readColumn = chunkColumnReader(project, runId);
  // Strings are coded: `layer` indexes `layer_names`, `category` indexes `category_names`, `model`
  // indexes `model_names`; load.py turns them back into labelled columns.
  const unitsPath = join(dir, 'units.npz');
  const npz = new NpzWriter(unitsPath);
  try {
    const strings = (name: string, values: string[]) => {
      const { descr, data } = npyStrings(values);
      const m = npz.member(name, descr, values.length);
      m.push(data);
      m.end();
    };
    strings('model_names', [model]);
    strings('layer_names', plan.layers.map((l) => l.name));
    strings('category_names', plan.categories);
    const perChunk = (name: string, descr: NpyDescr, make: (chunk: ExportPlan['chunks'][number]) => ArrayBufferView) => {
      throwIfAborted(hooks.signal, 'the export');
      const m = npz.member(name, descr, plan.rows);
      for (const chunk of plan.chunks) m.push(bytesOf(make(chunk)));
      m.end();
    };
    perChunk('model', '|u1', (c) => new Uint8Array(c.rows));
    perChunk('layer', '<i2', (c) => new Int16Array(c.rows).fill(c.layerIndex));
    perChunk('unit', '<i4', (c) => unitCoordinates(c.tap).unit);
    perChunk('channel', '<i4', (c) => unitCoordinates(c.tap).channel);
    perChunk('y', '<i4', (c) => unitCoordinates(c.tap).y);
    perChunk('x', '<i4', (c) => unitCoordinates(c.tap).x);
    perChunk('category', '|u1', (c) => new Uint8Array(c.rows).fill(c.categoryIndex));
    EXPORT_VALUE_COLUMNS.forEach((column, i) => {
      const descr: NpyDescr = column.dtype === 'u8' ? '|u1' : column.dtype === 'f64' ? '<f8' : '<f4';
      perChunk(column.name, descr, (c) => readColumn(c, column));
      hooks.progress?.({ phase: 'export', done: i + 1, total: EXPORT_VALUE_COLUMNS.length, unit: 'columns' });
    });
  } finally {
    npz.close();
  }
  const layersPath = join(dir, 'layers.npz');
  const table = layerTable(rows);
  const layers = new NpzWriter(layersPath);
  try {
    table.header.forEach((name, i) => {
      const column = table.values.map((r) => r[i] ?? null);
      if (i === 0 || i === 1 || i === 4) {
        const { descr, data } = npyStrings(column.map(String));
        const m = layers.member(name, descr, column.length);
        m.push(data);
        m.end();
      } else {
        const m = layers.member(name, '<f8', column.length);
        m.push(bytesOf(Float64Array.from(column, (v) => (v === null ? NaN : Number(v)))));
        m.end();
      }
    });
  } finally {
    layers.close();
  }
  return [unitsPath, layersPath];
}

export function defaultExportDir(project: Project, runId: number, format: ExportFormat): string {
  return join(dirname(project.path), `${basename(project.path, '.unitscope')}-run${runId}-${format}`);
}

export async function exportRun(project: Project, options: ExportOptions, hooks: ExportHooks = {}): Promise<ExportResult> {
  const run = requireRun(project, options.run);
  if (run.status !== 'finished') {
    throw new EngineError('conflict', `${project.path}: run #${run.id} is ${run.status}; only finished runs can be exported`, { file: project.path });
  }
  const plan = planExport(project, run.id, options.layers);
  const table = resultsTable(project, run.id);
  const rows = options.layers ? table.rows.filter((r) => options.layers!.includes(r.layer)) : table.rows;
  const dir = resolve(options.out ?? defaultExportDir(project, run.id, options.format));
  const writers = { csv: exportCsv, parquet: exportParquet, npy: exportNpz } as const;
  const files = await writeExportFolder(dir, options.confinement, async (staging) => {
    const files = await writers[options.format](project, run.id, run.model, plan, staging, hooks, rows);
    const manifest = {
      ...readRunManifest(project.db, run.id),
      export: {
        format: options.format,
        layers: plan.chunks.length > 0 ? [...new Set(plan.chunks.map((c) => c.tap.name))] : [],
        rows: plan.rows,
        files: files.map((f) => basename(f)),
        exportedAt: new Date().toISOString(),
        exportedBy: `unitscope ${APP_VERSION}`,
      },
    };
    const written = [...files, join(staging, 'manifest.json'), join(staging, 'load.py'), join(staging, 'load.R')];
    writeFileSync(written[files.length]!, `${JSON.stringify(manifest, null, 2)}\n`);
    writeFileSync(written[files.length + 1]!, loadPy(options.format));
    writeFileSync(written[files.length + 2]!, loadR(options.format));
    return written;
  });
  return { dir, files };
}
