// figure.convert: an SVG becomes a PDF with its font embedded and a PNG of exactly width_mm / 25.4 x dpi
// pixels; an SVG that links a local file (which librsvg would read into the picture) is refused.
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import sharp from 'sharp';
import { describe, expect, it } from 'vitest';
import { convertFigure } from '../../../src-main/engine/figures/convert-figure.ts';

const SVG = '<svg width="336" height="200" xmlns="http://www.w3.org/2000/svg" viewBox="0 0 336 200"><rect width="336" height="200" fill="#fff"/><path d="M10 190L326 10" stroke="#D55E00" stroke-width="2"/><text x="20" y="30" font-family="sans-serif" font-size="12">faces (n = 24)</text></svg>';

describe('figure.convert', () => {
  it('draws a PNG at the asked dpi and physical size, with the dpi in the file', async () => {
    const png = await convertFigure(SVG, 'png', { widthMm: 89, heightMm: 53, dpi: 300 });
    const bytes = Buffer.from(png.base64, 'base64');
    const meta = await sharp(bytes).metadata();
    expect([meta.width, meta.height]).toEqual([1051, 626]);
    expect([png.width, png.height]).toEqual([1051, 626]);
    expect(Math.round(meta.density ?? 0)).toBe(300);
    // drawn, not blank: the orange line is there
    const { data, info } = await sharp(bytes).raw().toBuffer({ resolveWithObject: true });
    let orange = 0;
    for (let i = 0; i < data.length; i += info.channels) if (data[i]! > 180 && data[i + 1]! < 130 && data[i + 2]! < 60) orange++;
    expect(orange).toBeGreaterThan(500);
  });

  it('writes a one-page vector PDF at the physical size with DejaVu Sans embedded', async () => {
    const pdf = await convertFigure(SVG, 'pdf', { widthMm: 89, heightMm: 53 });
    const text = Buffer.from(pdf.base64, 'base64').toString('latin1');
    expect(text.startsWith('%PDF-')).toBe(true);
    expect(pdf.width).toBeCloseTo((89 / 25.4) * 72, 1);
    expect(text).toMatch(/\/MediaBox \[0 0 252\.28\d* 150\.23\d*\]/);
    expect(text).toMatch(/FontFile2/);
    expect(text).toMatch(/DejaVuSans/);
    expect(text).not.toMatch(/\/BaseFont \/Helvetica/);
  });

  it('refuses an SVG that links a file, a URL or declares entities', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'unitscope-figure-'));
    const secret = join(dir, 'secret.png');
    writeFileSync(secret, await sharp({ create: { width: 4, height: 4, channels: 3, background: '#f00' } }).png().toBuffer());
    const linked = SVG.replace('</svg>', `<image href="${secret}" width="100" height="100"/></svg>`);
    await expect(convertFigure(linked, 'png', { widthMm: 89, heightMm: 53 })).rejects.toThrow(/refers to something outside itself/);
    await expect(convertFigure(SVG.replace('</svg>', '<image xlink:href="file:///etc/passwd"/></svg>'), 'pdf', { widthMm: 89, heightMm: 53 })).rejects.toThrow(/outside itself/);
    await expect(convertFigure(SVG.replace('fill="#fff"', 'style="fill:url(http://127.0.0.1/x)"'), 'png', { widthMm: 89, heightMm: 53 })).rejects.toThrow(/outside itself/);
    await expect(convertFigure(`<!DOCTYPE svg [<!ENTITY x SYSTEM "file:///etc/passwd">]>${SVG}`, 'png', { widthMm: 89, heightMm: 53 })).rejects.toThrow(/outside itself/);
    // links inside the figure (gradients, clip paths by id) are fine
    await expect(convertFigure(SVG.replace('fill="#fff"', 'fill="url(#g)"'), 'png', { widthMm: 89, heightMm: 53 })).resolves.toMatchObject({ format: 'png' });
  });

  it('refuses what is not an SVG with a size', async () => {
    await expect(convertFigure('<svg xmlns="http://www.w3.org/2000/svg"></svg>', 'png', { widthMm: 89, heightMm: 53 })).rejects.toThrow(/not an SVG with a size/);
  });
});
