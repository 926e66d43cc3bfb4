// The study figures as pure options: one panel per category (per measure), every model in the legend
// (never paged), n per category and the study's models and recipe in the caption, significance marks
// where the comparison says so, the comparisons' intervals as error bars, no UI state, and the physical
// size of a journal column or page. Drawn to SVG by the same server-side renderer as `unitscope figure`.
import { describe, expect, it } from 'vitest';
import { FIGURE_KINDS, figureAvailable, studyFigure } from '../../src-renderer/src/charts/figures/study-figures.ts';
import { renderSvg } from '../../src-renderer/src/charts/figures/render-svg.ts';
import { publicationSvg, withoutSelection } from '../../src-renderer/src/charts/figures/publication.ts';
import { proportionOption } from '../../src-renderer/src/charts/options.ts';
import { methodsParagraphs } from '../../src-renderer/src/lib/methods-text.ts';
import { studyReportHtml } from '../../src-renderer/src/lib/report.ts';
import { studyDataFixture } from './study-fixture.ts';

type Series = { type: string; name?: string; xAxisIndex?: number; data: unknown[]; label?: { formatter?: string } };
const categories = ['faces', 'bodies', 'scenes', 'words', 'objects'];

describe('study figures', () => {
  const data = studyDataFixture(categories);

  it('draws every kind for two models of different depth, one panel per category (and measure)', () => {
    for (const kind of FIGURE_KINDS) {
      expect(figureAvailable(data, kind)).toBe(true);
      const f = studyFigure(data, kind);
      const grids = f.option.grid as unknown[];
      const measures = kind === 'evenness' || kind === 'spatial' ? 2 : kind === 'consistency' ? 3 : 1;
      expect(grids, kind).toHaveLength(categories.length * measures);
      expect(f.option.tooltip, kind).toBeUndefined();
      expect(f.caption, kind).toContain('Project fixture. Models: alpha (run 1), beta (run 2).');
      expect(f.caption, kind).toContain('n images per category: faces 20, bodies 21, scenes 22, words 23, objects 24');
      expect(f.caption, kind).toContain('Recipe pairwise-t, pooled t, FDR BH, α = 0.05');
    }
  });

  it('lists every model in a plain legend, each with its own dash and marker', () => {
    const f = studyFigure(data, 'proportion');
    const legend = f.option.legend as { type: string; data: { name: string; lineStyle: { type: unknown } }[] };
    expect(legend.type).toBe('plain');
    expect(legend.data.map((d) => d.name)).toEqual(['alpha', 'beta']);
    expect(legend.data[0]!.lineStyle.type).not.toEqual(legend.data[1]!.lineStyle.type);
    const lines = (f.option.series as Series[]).filter((s) => s.type === 'line');
    expect(lines).toHaveLength(categories.length * 2);
    // relative depth on x: alpha's 4 layers at 0, 1/3, 2/3, 1; beta's 3 at 0, 0.5, 1 (each model a little aside)
    const xs = (i: number) => (lines[i]!.data as { value: number[] }[]).map((d) => d.value[0]!);
    xs(0).forEach((x, i) => expect(x).toBeCloseTo([0, 1 / 3, 2 / 3, 1][i]!, 1));
    xs(1).forEach((x, i) => expect(x).toBeCloseTo([0, 0.5, 1][i]!, 1));
    expect(xs(1)[0]! - xs(0)[0]!).toBeGreaterThan(0);
  });

  it('marks the significant layer of every panel, and only that one', () => {
    const marks = (studyFigure(data, 'proportion').option.series as Series[]).filter((s) => s.type === 'scatter');
    expect(marks).toHaveLength(categories.length);
    for (const m of marks) {
      expect(m.data).toHaveLength(1);
      expect((m.data[0] as number[])[0]).toBe(0);
      expect(m.label?.formatter).toBe('*');
    }
    expect(studyFigure(data, 'proportion').caption).toMatch(/\* q < 0\.05: paired image bootstrap of A − B \(500 iterations, seed 7\), BH/);
    // no test of entropy is significant: no marks there
    expect((studyFigure(data, 'evenness').option.series as Series[]).filter((s) => s.type === 'scatter')).toHaveLength(0);
  });

  it('draws the comparisons\u2019 95 % intervals as error bars when they report them', () => {
    const without = (studyFigure(data, 'proportion').option.series as Series[]).filter((s) => s.type === 'custom');
    expect(without).toHaveLength(0);
    const withCi = studyFigure(studyDataFixture(categories, { ci: true }), 'proportion');
    const bars = (withCi.option.series as Series[]).filter((s) => s.type === 'custom');
    expect(bars).toHaveLength(categories.length * 2);
    expect((bars[0]!.data[0] as number[]).slice(1)).toEqual([0.5, 2]);
    expect(withCi.caption).toContain('95 % paired image-bootstrap intervals');
  });

  it('is sized for a journal column or page, and renders to an SVG with its title, axes and caption', () => {
    const column = studyFigure(data, 'proportion', { widthMm: 89 });
    const page = studyFigure(data, 'proportion', { widthMm: 183 });
    expect(column.width).toBe(Math.round(89 * (96 / 25.4)));
    expect(page.width).toBe(Math.round(183 * (96 / 25.4)));
    // A narrow figure stacks its panels: two columns, three rows.
    expect(new Set((column.option.grid as { left: number }[]).map((g) => g.left)).size).toBe(2);
    const svg = renderSvg(column.option, column.width, column.height);
    expect(svg).toMatch(new RegExp(`^<svg width="${column.width}" height="${column.height}"`));
    const words = svg.replace(/<[^>]+>/g, ' ').replace(/\s+/g, ' ');
    expect(words).toContain('Proportion of category-selective units');
    expect(words).toContain('relative depth');
    expect(words).toContain('selective units (%)');
    expect(words).toContain('faces (n = 20)');
    expect(svg).not.toContain(':hover');
  });

  it('shows each model\u2019s consistency matrices and their difference', () => {
    const f = studyFigure(data, 'consistency');
    const heatmaps = (f.option.series as Series[]).filter((s) => s.type === 'heatmap');
    expect(heatmaps).toHaveLength(3 * categories.length);
    // On alpha's 4 layers: beta's 3 resampled by relative depth (alpha 1 and 2 both take beta's layer 1).
    const diff = heatmaps[2 * categories.length]!.data as [number, number, number][];
    expect(diff).toHaveLength(16);
    const cell = (i: number, j: number) => diff.find((c) => c[1] === i && c[0] === j)![2];
    for (let i = 0; i < 4; i++) expect(cell(i, i)).toBe(0);
    expect(cell(1, 2)).toBe(0.5 - 1);
    expect(cell(0, 3)).toBe(0);
  });
});

describe('publication export of a dashboard chart', () => {
  it('drops the cursor line, tooltip and faded series, keeps the data', () => {
    const row = (layer: string, i: number, category: string) => ({ model: 'm', layer, layerIndex: i, depth: i, category, images: 24, units: 10, selective: 1, proportion: 0.1 * (i + 1), metrics: {} });
    const rows = [row('a', 0, 'faces'), row('b', 1, 'faces'), row('a', 0, 'words'), row('b', 1, 'words')];
    const live = proportionOption(rows, ['faces', 'words'], 'b', 'faces') as { series: { markLine?: unknown; lineStyle: { opacity: number } }[] };
    expect(live.series[0]!.markLine).toBeDefined();
    expect(live.series[1]!.lineStyle.opacity).toBeLessThan(1);
    const clean = withoutSelection(live) as { series: { markLine?: unknown; lineStyle: { opacity?: number }; data: unknown[] }[]; tooltip?: unknown };
    expect(clean.tooltip).toBeUndefined();
    expect(clean.series.every((s) => s.markLine === undefined && s.lineStyle.opacity === undefined && s.data.length === 2)).toBe(true);
    const framed = publicationSvg(live, 0.6, 'Proportion selective', 'Project demo. n images per category: faces 24.', 89);
    expect(framed.width).toBe(Math.round(89 * (96 / 25.4)));
    expect(framed.svg).toContain('>Proportion selective</text>');
    expect(framed.svg).toContain('Project demo.');
    expect(framed.svg).not.toContain('stroke-dasharray');
  });
});

describe('study report', () => {
  it('names every model with its sha256 and source, the recipe and the tests, and wraps the manifest', () => {
    const data = studyDataFixture(['faces', 'words']);
    const methods = methodsParagraphs(data).join(' ');
    for (const r of data.runs) {
      expect(methods).toContain(`sha256 ${r.model.sha256}`);
      expect(methods).toContain(`source: ${r.model.source}`);
      // Every unit of every tap, class tokens included.
      expect(methods).toContain(`; ${(r.model.taps.length * 1010).toLocaleString('en-US')} units in all)`);
    }
    expect(methods).toContain('pairwise-t recipe');
    expect(methods).toContain('BH correction');
    expect(methods).toContain('α = 0.05');
    expect(methods).toContain('proportion by a paired bootstrap over images');
    expect(methods).toContain('500 iterations, seed 7, 256 units per stratum, poisson weights');
    expect(methods).toContain('two-proportion z) are reported as descriptive only');
    const html = studyReportHtml(data, [{ kind: 'proportion', title: 'T', caption: 'C <b>', svg: '<svg></svg>' }], methodsParagraphs(data), new Date(0));
    expect(html).toContain('C &lt;b&gt;');
    expect(html).toMatch(/pre \{[^}]*white-space: pre-wrap/);
    expect(html).toContain('<td>1.0 %</td>');
  });
});
