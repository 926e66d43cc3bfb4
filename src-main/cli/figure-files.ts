// Headless figures and reports: the renderer's own figure builders (src-renderer/src/charts/figures)
// drawn by ECharts' SVG renderer in Node, converted to PDF or PNG by the engine (figure.convert), so a
// GPU server without a browser writes the same files the Study screen exports.
import { mkdirSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { dirname, extname, join, resolve } from 'node:path';
import type { Api } from '../contract/index.ts';
import type { Client } from '../contract/client.ts';
import { DEFAULT_FIGURE_DPI, JOURNAL_WIDTHS_MM, type FigureFormat, type StudyData } from '../contract/study-types.ts';
import { figureAvailable, FIGURE_KINDS, studyFigure, type FigureKind } from '../../src-renderer/src/charts/figures/study-figures.ts';
import { renderSvg } from '../../src-renderer/src/charts/figures/render-svg.ts';
import { methodsParagraphs } from '../../src-renderer/src/lib/methods-text.ts';
import { studyReportHtml, type StudyReportFigure } from '../../src-renderer/src/lib/report.ts';

export interface FigureFileOptions {
  widthMm?: number | undefined;
  dpi?: number | undefined;
}

export function formatOf(file: string): FigureFormat | undefined {
  const ext = extname(file).slice(1).toLowerCase();
  return (['svg', 'pdf', 'png'] as const).find((f) => f === ext);
}

/** The bytes of one figure in one format, at the width asked (its height follows from the layout). */
export async function figureBytes(client: Client<Api>, data: StudyData, kind: FigureKind, format: FigureFormat, options: FigureFileOptions = {}): Promise<{ bytes: Buffer; svg: string; title: string; caption: string }> {
  const widthMm = options.widthMm ?? JOURNAL_WIDTHS_MM.page;
  const figure = studyFigure(data, kind, { widthMm });
  const svg = renderSvg(figure.option, figure.width, figure.height);
  if (format === 'svg') return { bytes: Buffer.from(svg), svg, title: figure.title, caption: figure.caption };
  const converted = await client.call('figure.convert', { svg, format, widthMm, heightMm: (widthMm * figure.height) / figure.width, dpi: options.dpi ?? DEFAULT_FIGURE_DPI });
  return { bytes: Buffer.from(converted.base64, 'base64'), svg, title: figure.title, caption: figure.caption };
}

/** Writes through a temporary file and a rename: a file is there whole or not at all. */
function writeWhole(file: string, bytes: Buffer | string): void {
  mkdirSync(dirname(file), { recursive: true });
  const partial = `${file}.partial-${process.pid}`;
  try {
    writeFileSync(partial, bytes);
    renameSync(partial, file);
  } catch (error) {
    rmSync(partial, { force: true });
    throw error;
  }
}

export async function writeFigure(client: Client<Api>, data: StudyData, kind: FigureKind, out: string, options: FigureFileOptions = {}): Promise<string> {
  const format = formatOf(out);
  if (!format) throw new Error(`${out}: the figure's file must end in .svg, .pdf or .png`);
  const { bytes } = await figureBytes(client, data, kind, format, options);
  const file = resolve(out);
  writeWhole(file, bytes);
  return file;
}

/**
 * A report folder: index.html (every figure inline as SVG at page width, the tables, the methods and the
 * manifests) and figures/KIND.svg, .pdf and .png (300 dpi) at the width asked. Returns the files written.
 */
export async function writeReport(client: Client<Api>, data: StudyData, dir: string, options: FigureFileOptions = {}, onFigure: (kind: FigureKind) => void = () => {}): Promise<string[]> {
  const root = resolve(dir);
  const written: string[] = [];
  const figures: StudyReportFigure[] = [];
  for (const kind of FIGURE_KINDS.filter((k) => figureAvailable(data, k))) {
    onFigure(kind);
    const files: string[] = [];
    let shown: { svg: string; title: string; caption: string } | null = null;
    for (const format of ['svg', 'pdf', 'png'] as const) {
      const result = await figureBytes(client, data, kind, format, options);
      shown ??= result;
      const name = `figures/${kind}.${format}`;
      writeWhole(join(root, name), result.bytes);
      written.push(join(root, name));
      files.push(name);
    }
    // The page shows every figure at page width whatever size the files were asked for.
    const page = studyFigure(data, kind, { widthMm: JOURNAL_WIDTHS_MM.page });
    figures.push({ kind, title: shown!.title, caption: shown!.caption, svg: renderSvg(page.option, page.width, page.height), files });
  }
  const html = studyReportHtml(data, figures, methodsParagraphs(data), new Date());
  writeWhole(join(root, 'index.html'), html);
  written.push(join(root, 'index.html'));
  return written;
}
