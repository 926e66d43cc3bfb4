// The frame of a publication figure: a physical size (journal column 89 mm, page 183 mm), type sizes in
// points, a grid of small-multiple panels, a title, a legend of the models (never paged: every model
// shown) and a caption that wraps under the panels. Everything is in CSS pixels at 96 per inch times a
// zoom (1 for exports; the Study screen zooms to its width so on-screen text is not tiny).
import { JOURNAL_WIDTHS_MM } from '../../../../src-main/contract/study-types.ts';

export const PX_PER_MM = 96 / 25.4;
const PX_PER_PT = 96 / 72;
/** Sans-serif stack of the exports: DejaVu Sans is what the PDF embeds (docs/figures.md). */
export const FIGURE_FONT = "'DejaVu Sans', Helvetica, Arial, sans-serif";

export interface FigureFrameOptions {
  widthMm?: number;
  zoom?: number;
}

export interface Panel {
  left: number;
  top: number;
  width: number;
  height: number;
}

export interface FigureFrame {
  width: number;
  height: number;
  zoom: number;
  /** Text size in px for a size in points. */
  font(pt: number): number;
  panels: Panel[];
  /** Where the caption starts (px from the top) and its wrapping width. */
  captionTop: number;
  legendTop: number;
  /** The title and the caption, wrapped to the figure's width. */
  titleLines: string[];
  captionLines: string[];
}

/**
 * The caption broken into lines that fit `widthPx`. Wrapped here rather than by ECharts, whose text
 * measure in server-side mode is an estimate narrower than DejaVu Sans: 0.6 em is DejaVu Sans' mean
 * advance over running English text with numbers is about 0.53 em; 0.55 keeps a margin.
 */
export function wrapText(text: string, widthPx: number, fontPx: number): string[] {
  const perLine = Math.max(20, Math.floor(widthPx / (fontPx * 0.55)));
  const lines: string[] = [];
  for (const paragraph of text.split('\n')) {
    let line = '';
    for (const word of paragraph.split(/\s+/).filter(Boolean)) {
      if (line && line.length + 1 + word.length > perLine) {
        lines.push(line);
        line = word;
      } else line = line ? `${line} ${word}` : word;
    }
    lines.push(line);
  }
  return lines;
}

/**
 * Lays out `count` panels in rows of `columns` (by default as many as fit the width at about 40 mm a
 * panel), under a title and a legend, over the caption. `panelAspect` is height / width of a panel.
 */
export function frameFor(count: number, title: string, caption: string, options: FigureFrameOptions & { columns?: number; panelAspect?: number; rowLabels?: boolean } = {}): FigureFrame {
  const zoom = options.zoom ?? 1;
  const widthMm = options.widthMm ?? JOURNAL_WIDTHS_MM.page;
  const width = Math.round(widthMm * PX_PER_MM * zoom);
  const font = (pt: number) => Math.round(pt * PX_PER_PT * zoom * 10) / 10;
  const columns = Math.max(1, Math.min(count, options.columns ?? Math.max(1, Math.floor(widthMm / 42))));
  const rows = Math.ceil(count / columns);
  const margin = { left: font(7) * 5.2 + (options.rowLabels ? font(7) * 2 : 0), right: font(7) * 1.5 };
  // Bold 9 pt runs about 10 % wider than the caption's regular weight.
  const titleLines = wrapText(title, (width - font(7)) / 1.1, font(9));
  const titleHeight = font(9) * (0.6 + 1.3 * titleLines.length);
  const legendHeight = font(7) * 2.6;
  const gapX = font(7) * 4.6;
  const gapY = font(7) * 5.4;
  const panelWidth = (width - margin.left - margin.right - gapX * (columns - 1)) / columns;
  const panelHeight = panelWidth * (options.panelAspect ?? 0.75);
  const panelsTop = titleHeight + legendHeight + font(7) * 1.8;
  const panels: Panel[] = Array.from({ length: count }, (_, i) => ({
    left: margin.left + (i % columns) * (panelWidth + gapX),
    top: panelsTop + Math.floor(i / columns) * (panelHeight + gapY),
    width: panelWidth,
    height: panelHeight,
  }));
  const captionTop = panelsTop + rows * panelHeight + (rows - 1) * gapY + font(7) * 4.2;
  const lines = wrapText(caption, width - font(7) * 1.5, font(6.5));
  const captionHeight = lines.length * font(6.5) * 1.35;
  return { width, height: Math.ceil(captionTop + captionHeight + font(6.5)), zoom, font, panels, captionTop, legendTop: titleHeight, captionLines: lines, titleLines };
}

/** The title, the model legend (neutral colour: colour is the category's) and the wrapping caption. */
export function frameComponents(frame: FigureFrame): { title: object[] } {
  return {
    title: [
      { text: frame.titleLines.join('\n'), left: frame.font(7) * 0.5, top: frame.font(2), textStyle: { fontSize: frame.font(9), fontWeight: 'bold', color: '#111111', fontFamily: FIGURE_FONT, lineHeight: frame.font(9) * 1.3 } },
      {
        text: frame.captionLines.join('\n'),
        left: frame.font(7) * 0.5,
        top: frame.captionTop,
        textStyle: { fontSize: frame.font(6.5), fontWeight: 'normal', color: '#333333', fontFamily: FIGURE_FONT, lineHeight: frame.font(6.5) * 1.35 },
      },
    ],
  };
}

export const axisText = (frame: FigureFrame) => ({ fontSize: frame.font(6.5), color: '#333333', fontFamily: FIGURE_FONT });
export const axisNameText = (frame: FigureFrame) => ({ fontSize: frame.font(7), color: '#111111', fontFamily: FIGURE_FONT });
