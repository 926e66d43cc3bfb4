// A figure's SVG (drawn by ECharts' SVG renderer from the same option the screen shows) as a vector PDF
// or a PNG, at a physical size. PDF: PDFKit with SVG-to-PDFKit, every text set in DejaVu Sans (shipped
// by the dejavu-fonts-ttf package), embedded as a subset, so the file looks the same on every machine.
// PNG: sharp (librsvg) at the density that gives width_mm / 25.4 x dpi pixels. The SVG exports
// themselves keep their text as text, with the stack "DejaVu Sans, Helvetica, Arial, sans-serif"
// (docs/figures.md), so that a journal's editor can still change a label.
import { createRequire } from 'node:module';
import PDFDocument from 'pdfkit';
import SVGtoPDF from 'svg-to-pdfkit';
import sharp from 'sharp';
import type { ConvertedFigure } from '../../contract/study-types.ts';
import { DEFAULT_FIGURE_DPI } from '../../contract/study-types.ts';
import { EngineError } from '../errors.ts';

const require = createRequire(import.meta.url);
const FONTS = {
  regular: require.resolve('dejavu-fonts-ttf/ttf/DejaVuSans.ttf'),
  bold: require.resolve('dejavu-fonts-ttf/ttf/DejaVuSans-Bold.ttf'),
  italic: require.resolve('dejavu-fonts-ttf/ttf/DejaVuSans-Oblique.ttf'),
};

const MM_PER_INCH = 25.4;
const POINTS_PER_INCH = 72;

export interface FigureSize {
  widthMm: number;
  heightMm: number;
  dpi?: number | undefined;
}

/** The SVG's own size in user units (its viewBox, or width and height). */
function svgSize(svg: string): { width: number; height: number } {
  const viewBox = /viewBox="\s*[-\d.]+[ ,]+[-\d.]+[ ,]+([\d.]+)[ ,]+([\d.]+)\s*"/.exec(svg);
  if (viewBox) return { width: Number(viewBox[1]), height: Number(viewBox[2]) };
  const width = /<svg[^>]*\swidth="([\d.]+)/.exec(svg);
  const height = /<svg[^>]*\sheight="([\d.]+)/.exec(svg);
  if (!width || !height) throw new EngineError('bad_input', 'the figure is not an SVG with a size (no viewBox, width or height)');
  return { width: Number(width[1]), height: Number(height[1]) };
}

/**
 * A figure refers to nothing outside itself. The SVG comes from the page (serve mode: from whoever holds
 * the session's token), and librsvg would read a linked local file into the picture: so links other than
 * to the figure's own elements (#id) or inline data, CSS url()s to anything else, and DTDs (entities) are
 * refused.
 */
function checkSelfContained(svg: string): void {
  const external = /\b(?:xlink:)?href\s*=\s*["']\s*(?!#|data:)[^"']/i.exec(svg) ?? /url\(\s*["']?\s*(?!#|data:)[^)]/i.exec(svg) ?? /<!(?:DOCTYPE|ENTITY)/i.exec(svg);
  if (external) throw new EngineError('bad_input', `the figure's SVG refers to something outside itself (${external[0].slice(0, 60)}); figures must be self-contained`);
}

export async function svgToPdf(svg: string, size: FigureSize): Promise<ConvertedFigure> {
  checkSelfContained(svg);
  svgSize(svg);
  const width = (size.widthMm / MM_PER_INCH) * POINTS_PER_INCH;
  const height = (size.heightMm / MM_PER_INCH) * POINTS_PER_INCH;
  const doc = new PDFDocument({ size: [width, height], margin: 0, autoFirstPage: true, info: { Producer: 'Unitscope', Creator: 'Unitscope' } });
  doc.registerFont('figure', FONTS.regular);
  doc.registerFont('figure-bold', FONTS.bold);
  doc.registerFont('figure-italic', FONTS.italic);
  const chunks: Buffer[] = [];
  const done = new Promise<Buffer>((resolve, reject) => {
    doc.on('data', (chunk: Buffer) => chunks.push(chunk));
    doc.on('end', () => resolve(Buffer.concat(chunks)));
    doc.on('error', reject);
  });
  SVGtoPDF(doc, svg, 0, 0, {
    width,
    height,
    preserveAspectRatio: 'xMidYMid meet',
    // Every family maps to the embedded DejaVu Sans: no text falls back to an unembedded base-14 font.
    fontCallback: (_family: string, bold: boolean, italic: boolean) => (bold ? 'figure-bold' : italic ? 'figure-italic' : 'figure'),
    warningCallback: () => {},
  });
  doc.end();
  return done.then((bytes) => ({ format: 'pdf', base64: bytes.toString('base64'), width: Math.round(width * 100) / 100, height: Math.round(height * 100) / 100 }));
}

export async function svgToPng(svg: string, size: FigureSize): Promise<ConvertedFigure> {
  checkSelfContained(svg);
  const own = svgSize(svg);
  const dpi = size.dpi ?? DEFAULT_FIGURE_DPI;
  const width = Math.round((size.widthMm / MM_PER_INCH) * dpi);
  const height = Math.round((size.heightMm / MM_PER_INCH) * dpi);
  // librsvg reads SVG user units at `density` per inch: this density draws the SVG at the asked width.
  const density = (POINTS_PER_INCH * width) / own.width;
  try {
    const bytes = await sharp(Buffer.from(svg), { density, limitInputPixels: false })
      .resize(width, height, { fit: 'contain', background: '#ffffff' })
      .flatten({ background: '#ffffff' })
      .png()
      .withMetadata({ density: dpi })
      .toBuffer();
    return { format: 'png', base64: bytes.toString('base64'), width, height };
  } catch (error) {
    throw new EngineError('bad_input', `the figure's SVG could not be drawn (${(error as Error).message})`, { cause: error });
  }
}

export function convertFigure(svg: string, format: 'pdf' | 'png', size: FigureSize): Promise<ConvertedFigure> {
  return format === 'pdf' ? svgToPdf(svg, size) : svgToPng(svg, size);
}
