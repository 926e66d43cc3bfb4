// Exporting a figure from the page: SVG drawn here (ECharts' SVG renderer, the same as headless), PDF
// and PNG converted by the engine (figure.convert: embedded fonts, exact pixel size at the dpi), then
// downloaded. The study figures and the dashboard's charts both export through it.
import type { EngineClient } from '../../lib/engine-connection.ts';
import { downloadText, downloadUrl, slug } from '../../lib/download.ts';
import type { ChartOption } from '../echarts.ts';
import type { FigureFormat } from '../../../../src-main/contract/study-types.ts';
import { renderSvg } from './render-svg.ts';

export interface ExportRequest {
  option: ChartOption;
  /** The option's size in CSS pixels at zoom 1, and the physical width it was laid out for. */
  width: number;
  height: number;
  widthMm: number;
  format: FigureFormat;
  dpi: number;
  fileBase: string;
}

export async function exportFigure(engine: EngineClient, request: ExportRequest): Promise<void> {
  await exportSvg(engine, renderSvg(request.option, request.width, request.height), request);
}

/** Downloads a drawn figure as SVG, or as PDF / PNG converted by the engine at its physical size. */
export async function exportSvg(engine: EngineClient, svg: string, request: Omit<ExportRequest, 'option'>): Promise<void> {
  const name = `${slug(request.fileBase)}.${request.format}`;
  if (request.format === 'svg') return downloadText(name, svg, 'image/svg+xml');
  // The asked width exactly (the layout's pixels are rounded); the height in proportion.
  const converted = await engine.call('figure.convert', { svg, format: request.format, widthMm: request.widthMm, heightMm: (request.widthMm * request.height) / request.width, dpi: request.dpi });
  const mime = request.format === 'pdf' ? 'application/pdf' : 'image/png';
  const bytes = Uint8Array.from(atob(converted.base64), (c) => c.charCodeAt(0));
  const url = URL.createObjectURL(new Blob([bytes], { type: mime }));
  downloadUrl(name, url);
  setTimeout(() => URL.revokeObjectURL(url), 10_000);
}

/** A figure's SVG as a data URL for an <img>: drawn as a picture, never as markup in the page. */
export function svgDataUrl(option: ChartOption, width: number, height: number): string {
  return `data:image/svg+xml;charset=utf-8,${encodeURIComponent(renderSvg(option, width, height))}`;
}
