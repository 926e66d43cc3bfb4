// Category colours come from the name alone: the same in every project whatever order it lists its
// categories in, colour-blind-safe for the known localizer categories, stable for any other name.
import { describe, expect, it } from 'vitest';
import { categoryColor, OKABE_ITO, TOL_MUTED } from '../../src-renderer/src/lib/palette.ts';
import { studyFigure } from '../../src-renderer/src/charts/figures/study-figures.ts';
import { proportionOption } from '../../src-renderer/src/charts/options.ts';
import type { LayerCategoryRow } from '../../src-main/contract/types.ts';
import { studyDataFixture } from './study-fixture.ts';

const row = (category: string): LayerCategoryRow => ({ model: 'm', layer: 'l', layerIndex: 0, depth: 0, category, images: 24, units: 10, selective: 1, proportion: 0.1, metrics: {} });

describe('category colours', () => {
  it('faces has one colour in two projects that list categories in different orders', () => {
    const a = proportionOption([row('faces'), row('scenes')], ['faces', 'scenes'], null, null) as { series: { name: string; color: string }[] };
    const b = proportionOption([row('scenes'), row('bodies'), row('faces')], ['scenes', 'bodies', 'faces'], null, null) as { series: { name: string; color: string }[] };
    const facesA = a.series.find((s) => s.name === 'faces')!.color;
    const facesB = b.series.find((s) => s.name === 'faces')!.color;
    expect(facesA).toBe(facesB);
    expect(facesA).toBe('#D55E00');
    // and in the study figures, whatever the order of the study's categories
    const one = studyFigure(studyDataFixture(['faces', 'words']), 'proportion');
    const two = studyFigure(studyDataFixture(['words', 'bodies', 'faces']), 'proportion');
    const color = (f: typeof one) => (f.option.series as { color?: string; type: string }[]).filter((s) => s.type === 'line').map((s) => s.color);
    expect(color(one)[0]).toBe('#D55E00');
    expect(color(two)).toContain('#D55E00');
    expect(color(two)[0]).toBe(categoryColor('words'));
  });

  it('known categories take Okabe-Ito colours, each its own', () => {
    const known = ['faces', 'bodies', 'scenes', 'words', 'objects'].map(categoryColor);
    expect(new Set(known).size).toBe(5);
    for (const c of known) expect(OKABE_ITO as readonly string[]).toContain(c);
    expect(categoryColor('Faces')).toBe(categoryColor('faces'));
    expect(categoryColor('places')).toBe(categoryColor('scenes'));
  });

  it('a scrambled control is a paler version of its target; other names hash to a stable Tol colour', () => {
    expect(categoryColor('scrambled_scenes')).not.toBe(categoryColor('scenes'));
    expect(categoryColor('scrambled_scenes')).toBe(categoryColor('scrambled-scenes'));
    const other = categoryColor('guitars');
    expect(TOL_MUTED as readonly string[]).toContain(other);
    expect(categoryColor('guitars')).toBe(other);
  });
});
