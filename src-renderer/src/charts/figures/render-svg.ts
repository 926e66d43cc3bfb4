// A figure as a standalone SVG, drawn by ECharts' SVG renderer in server-side mode: no DOM, so the same
// code runs in the browser (exports, the report) and in Node (`unitscope figure`, `study --report`).
// The option carries no UI state: exports never show a cursor line, a hover, a faded series or a brush.
import { echarts, type ChartOption } from '../echarts.ts';

/** Options that are screen-only and must not reach an exported figure. */
const UI_ONLY = ['tooltip', 'brush', 'toolbox', 'dataZoom'] as const;

export function withoutUiState(option: ChartOption): ChartOption {
  const out: Record<string, unknown> = { ...option, animation: false };
  for (const key of UI_ONLY) delete out[key];
  return out as ChartOption;
}

/** zrender writes hover styles (cursor, emphasis colours) as CSS for interactive SVG; a figure has no hover. */
function withoutHoverStyles(svg: string): string {
  return svg.replace(/\.[\w-]+:hover\s*\{[^}]*\}\s*/g, '').replace(/<style[^>]*>\s*(<!\[CDATA\[\s*\]\]>)?\s*<\/style>/g, '');
}

export function renderSvg(option: ChartOption, width: number, height: number): string {
  const chart = echarts.init(null, undefined, { renderer: 'svg', ssr: true, width, height });
  try {
    chart.setOption(withoutUiState(option));
    return withoutHoverStyles(chart.renderToSVGString());
  } finally {
    chart.dispose();
  }
}
