// Any chart of the app as a publication figure: the option without UI state (no tooltip, brush, toolbox
// or zoom; no cursor line or area; no faded series or points), drawn by the SVG renderer at a physical
// width, inside a frame with a title above and the caption (project, models, recipe, n) wrapped below.
import type { ChartOption } from '../echarts.ts';
import { escapeHtml } from '../html.ts';
import { FIGURE_FONT, PX_PER_MM, wrapText } from './layout.ts';
import { renderSvg, withoutUiState } from './render-svg.ts';

type Loose = Record<string, unknown>;

/** Style objects with their opacity put back to 1: a faded series or point is the selection, not data. */
function opaque(style: unknown): unknown {
  if (!style || typeof style !== 'object') return style;
  const { opacity: _opacity, ...rest } = style as Loose;
  return rest;
}

function cleanSeries(series: unknown): unknown {
  if (!series || typeof series !== 'object') return series;
  const { markLine: _markLine, markArea: _markArea, ...s } = series as Loose;
  const data = Array.isArray(s.data) ? s.data.map((d) => (d && typeof d === 'object' && !Array.isArray(d) && 'itemStyle' in d ? { ...(d as Loose), itemStyle: opaque((d as Loose).itemStyle) } : d)) : s.data;
  return { ...s, data, lineStyle: opaque(s.lineStyle), itemStyle: opaque(s.itemStyle), emphasis: { disabled: true } };
}

export function withoutSelection(option: ChartOption): ChartOption {
  const o = withoutUiState(option) as Loose;
  const series = Array.isArray(o.series) ? o.series.map(cleanSeries) : o.series ? cleanSeries(o.series) : o.series;
  // A legend that pages hides series: an export lists them all.
  const legend = o.legend && typeof o.legend === 'object' && !Array.isArray(o.legend) ? { ...(o.legend as Loose), type: 'plain' } : o.legend;
  return { ...o, series, legend, backgroundColor: '#ffffff' } as ChartOption;
}

export interface PublicationChart {
  /** The SVG's size in CSS px at 96 per inch: widthMm x PX_PER_MM. */
  width: number;
  height: number;
  svg: string;
}

/** The chart at `widthMm` (its on-screen aspect kept), framed with a title and a caption. */
export function publicationSvg(option: ChartOption, aspect: number, title: string, caption: string, widthMm: number): PublicationChart {
  const width = Math.round(widthMm * PX_PER_MM);
  const chartHeight = Math.round(width * aspect);
  const titlePx = 12;
  const captionPx = 8.7;
  const titleLines = wrapText(title, width - 12, titlePx * 1.1);
  const captionLines = wrapText(caption, width - 12, captionPx);
  const top = 6 + titleLines.length * titlePx * 1.3;
  const height = Math.ceil(top + chartHeight + 6 + captionLines.length * captionPx * 1.35 + 4);
  const inner = renderSvg(withoutSelection(option), width, chartHeight).replace(/^<svg /, `<svg x="0" y="${top}" `);
  const text = (lines: string[], y0: number, size: number, weight: string, fill: string) =>
    lines.map((line, i) => `<text x="6" y="${(y0 + (i + 0.8) * size * 1.3).toFixed(1)}" font-family="${escapeHtml(FIGURE_FONT)}" font-size="${size}" font-weight="${weight}" fill="${fill}">${escapeHtml(line)}</text>`).join('');
  const svg = `<svg width="${width}" height="${height}" viewBox="0 0 ${width} ${height}" xmlns="http://www.w3.org/2000/svg" xmlns:xlink="http://www.w3.org/1999/xlink" version="1.1">
<rect width="${width}" height="${height}" fill="#ffffff"/>
${text(titleLines, 4, titlePx, 'bold', '#111111')}
${inner}
${text(captionLines, top + chartHeight + 2, captionPx, 'normal', '#333333')}
</svg>`;
  return { width, height, svg };
}
