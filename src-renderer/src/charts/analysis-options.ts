// ECharts options for the causal and replication analyses (issue 9): ablation effects against the
// random-unit control distribution, split-half reliability per layer, replication against its shuffle
// null. Pure functions of the stored results, like options.ts, so on-screen and exported figures match.
// Stored results carry NaN as null, so every number read here may be null.
import type {
  AblationCategoryEffect,
  AblationMeasure,
  AblationMeasureName,
  AblationResult,
  ReliabilityResult,
  ReplicationResult,
} from '../../../src-main/contract/analysis-types.ts';
import type { ChartOption } from './echarts.ts';
import { categoryColor } from '../lib/palette.ts';
import { html } from './html.ts';
import { errorBarLines } from './error-bar.ts';

type Maybe = number | null | undefined;
const finite = (v: Maybe): v is number => typeof v === 'number' && Number.isFinite(v);
const fmt = (v: Maybe, digits = 3) => (finite(v) ? v.toFixed(digits) : '–');
const CONTROL_GREY = '#8a8f99';
const SUBTLE = '#8a93a3';
export const SIGNIFICANCE = 0.05;

/** How the measures are named on screen, and the value an unablated model has (the bars start there). */
export const MEASURE_INFO: Record<AblationMeasureName, { label: string; intact: number }> = {
  'top1-agreement': { label: 'top-1 agreement with intact', intact: 1 },
  'top-logit-drop': { label: 'drop of the intact top logit', intact: 0 },
  cosine: { label: 'cosine to intact embedding', intact: 1 },
};

/** The evaluation categories of a measure in display order, 'all' last. */
export function ablationGroups(measure: AblationMeasure): AblationCategoryEffect[] {
  return [...measure.perCategory, measure.overall];
}

/** Significance as the engine's FDR family defines it: q within categories; 'all' is outside the family, so its p. */
export function significant(effect: AblationCategoryEffect): boolean {
  const q = effect.q as Maybe;
  const p = effect.p as Maybe;
  return effect.category === 'all' ? finite(p) && p < SIGNIFICANCE : finite(q) && q < SIGNIFICANCE;
}

interface RenderApi {
  value(i: number): number;
  coord(p: [number, number]): [number, number];
  size(p: [number, number]): [number, number];
}

/** Deterministic jitter so strip plots do not move between redraws or differ in the SVG export. */
const jitter = (i: number) => (((i * 2654435761) % 1000) / 1000 - 0.5) * 0.16;

/** The y range one measure's panel needs: the intact value (bar base) and every plotted value. */
function valueRange(measure: AblationMeasure): [number, number] {
  const intact = MEASURE_INFO[measure.name].intact;
  let low = intact, high = intact;
  for (const e of ablationGroups(measure)) {
    const values = [e.selective, ...e.controls, finite(e.controlMean) && finite(e.controlSd) ? e.controlMean - e.controlSd : null, finite(e.controlMean) && finite(e.controlSd) ? e.controlMean + e.controlSd : null];
    for (const v of values) {
      if (!finite(v)) continue;
      low = Math.min(low, v);
      high = Math.max(high, v);
    }
  }
  // Room above for the significance marks, then out to whole steps so the end labels are round numbers.
  const pad = (high - low || Math.abs(high) || 1) * 0.12;
  const step = niceStep((high - low + 1.5 * pad) / 5);
  return [Math.floor((low - pad * 0.5) / step) * step, Math.ceil((high + pad) / step) * step];
}

/** 1, 2 or 5 times a power of ten, at least `raw`. */
function niceStep(raw: number): number {
  const power = 10 ** Math.floor(Math.log10(raw));
  return ([1, 2, 5, 10].find((m) => m * power >= raw) ?? 10) * power;
}

/**
 * One panel per effect measure, side by side. In each, per evaluation category (and 'all'): the value
 * with the selective units ablated as a bar drawn from the intact model's value (so its length is the
 * effect), and beside it the R random-control values as a strip with their mean ± sd. '*' marks q < 0.05.
 */
export function ablationOption(result: AblationResult, categories: readonly string[], dark: boolean): ChartOption {
  // The controls' mean ± sd in a neutral ink with contrast against either theme's panel.
  const ink = dark ? '#d0d4dc' : '#444a55';
  const measures = result.measures;
  const n = Math.max(1, measures.length);
  const gap = 4; // percent between panels
  const width = (100 - 6 - gap * (n - 1)) / n;
  const color = categoryColor(result.category);
  const xAxis: object[] = [];
  const yAxis: object[] = [];
  const grid: object[] = [];
  const series: object[] = [];
  const title: object[] = [];
  measures.forEach((measure, m) => {
    const groups = ablationGroups(measure);
    const names = groups.map((g) => g.category);
    const info = MEASURE_INFO[measure.name];
    const left = 5 + m * (width + gap);
    const [min, max] = valueRange(measure);
    // containLabel: the panels' widths are shares of the figure, so the axis labels go inside them.
    grid.push({ left: `${left}%`, width: `${width}%`, top: 92, bottom: 28, containLabel: true });
    title.push(
      { text: info.label, left: `${left + width / 2}%`, textAlign: 'center', top: 28, textStyle: { fontSize: 12 } },
      { text: `worse = ${measure.worse} ${measure.worse === 'lower' ? '↓' : '↑'} · intact = ${info.intact}`, left: `${left + width / 2}%`, textAlign: 'center', top: 46, textStyle: { fontSize: 11, fontWeight: 'normal', color: SUBTLE } },
    );
    // A labelled category axis and, on the same bands, a hidden value axis (band i is centred on i) that
    // places the bar left of centre and the control strip right of it.
    xAxis.push(
      { type: 'category', gridIndex: m, data: names, axisLabel: { interval: 0, fontSize: 10, rotate: names.length > 4 ? 30 : 0 } },
      { type: 'value', gridIndex: m, min: -0.5, max: names.length - 0.5, show: false },
    );
    yAxis.push({ type: 'value', gridIndex: m, min: +min.toPrecision(6), max: +max.toPrecision(6), scale: true, axisLine: { onZero: false }, axisLabel: { fontSize: 10 } });
    const valueAxis = 2 * m + 1;
    series.push(
      {
        type: 'custom',
        name: `${result.category} units ablated`,
        color,
        xAxisIndex: valueAxis,
        yAxisIndex: m,
        data: groups.map((g, i) => ({ value: [i, finite(g.selective) ? g.selective : info.intact, info.intact, significant(g) ? 1 : 0, finite(g.controlMean) && finite(g.controlSd) ? g.controlMean + g.controlSd : info.intact], effect: g })),
        renderItem: (_params: unknown, api: RenderApi) => {
          const [x, y] = api.coord([api.value(0) - 0.2, api.value(1)]);
          const [, base] = api.coord([0, api.value(2)]);
          const band = api.size([1, 0])[0];
          const barWidth = band * 0.3;
          const children: object[] = [{ type: 'rect', shape: { x: x - barWidth / 2, y: Math.min(y, base), width: barWidth, height: Math.max(1, Math.abs(base - y)) }, style: { fill: color } }];
          if (api.value(3) === 1) {
            // Above whichever is higher on screen: the bar's end, its base, or the controls' whisker.
            const [, whiskerTop] = api.coord([0, api.value(4)]);
            const top = Math.min(y, base, whiskerTop);
            children.push({ type: 'text', x: x + band * 0.2, y: top - 4, style: { text: '*', fontSize: 18, fontWeight: 'bold', fill: color, align: 'center', verticalAlign: 'bottom' } });
          }
          return { type: 'group', children };
        },
        tooltip: {
          formatter: (p: { data: { effect: AblationCategoryEffect } }) => {
            const e = p.data.effect;
            return html`${result.category} units ablated · eval ${e.category} (${e.images} images)<br/>${info.label}: ${fmt(e.selective, 4)}<br/>controls ${fmt(e.controlMean, 4)} ± ${fmt(e.controlSd, 4)} (R ${e.controls.length})<br/>p ${fmt(e.p, 4)} · q ${e.category === 'all' ? 'not in family' : fmt(e.q, 4)}`;
          },
        },
        z: 2,
      },
      {
        type: 'scatter',
        name: 'random controls',
        color: CONTROL_GREY,
        xAxisIndex: valueAxis,
        yAxisIndex: m,
        symbolSize: 5,
        itemStyle: { opacity: 0.55 },
        large: groups.reduce((s, g) => s + g.controls.length, 0) > 5000,
        data: groups.flatMap((g, i) => g.controls.map((v, k) => ({ value: [i + 0.2 + jitter(k + i * 7919), v], category: g.category, control: k + 1 }))),
        tooltip: { formatter: (p: { data: { category: string; control: number; value: [number, number] } }) => html`random control ${p.data.control} · eval ${p.data.category}<br/>${fmt(p.data.value[1], 4)}` },
        z: 3,
      },
      {
        type: 'custom',
        name: 'control mean ± sd',
        color: ink,
        xAxisIndex: valueAxis,
        yAxisIndex: m,
        data: groups.map((g, i) => ({ value: [i + 0.2, g.controlMean, g.controlMean - g.controlSd, g.controlMean + g.controlSd], effect: g })).filter((d) => d.value.every(finite)),
        renderItem: (_params: unknown, api: RenderApi) => {
          const [x, mean] = api.coord([api.value(0), api.value(1)]);
          const [, low] = api.coord([api.value(0), api.value(2)]);
          const [, high] = api.coord([api.value(0), api.value(3)]);
          const half = api.size([1, 0])[0] * 0.12;
          const style = { stroke: ink, lineWidth: 1.5 };
          return {
            type: 'group',
            children: [
              { type: 'line', shape: { x1: x, y1: low, x2: x, y2: high }, style },
              { type: 'line', shape: { x1: x - half / 2, y1: low, x2: x + half / 2, y2: low }, style },
              { type: 'line', shape: { x1: x - half / 2, y1: high, x2: x + half / 2, y2: high }, style },
              { type: 'line', shape: { x1: x - half, y1: mean, x2: x + half, y2: mean }, style: { stroke: ink, lineWidth: 3 } },
            ],
          };
        },
        tooltip: { formatter: (p: { data: { effect: AblationCategoryEffect } }) => html`random controls · eval ${p.data.effect.category}<br/>mean ${fmt(p.data.effect.controlMean, 4)} ± sd ${fmt(p.data.effect.controlSd, 4)} (R ${p.data.effect.controls.length})` },
        z: 4,
      },
    );
  });
  const top = result.top === null ? 'all' : `top ${result.top}`;
  return {
    title: [
      { text: `${result.layer}: ${result.units} of ${result.layerUnits} units (${result.category}, ${top}, ${result.mode}) vs ${result.controls} random sets`, left: 'center', top: 0, textStyle: { fontSize: 12 } },
      ...title,
    ],
    tooltip: { confine: true, trigger: 'item' },
    legend: { bottom: 0, data: [`${result.category} units ablated`, 'random controls', 'control mean ± sd'] },
    grid,
    xAxis,
    yAxis,
    series,
  };
}

/** Points with ± sd whiskers for line charts over layers (x is the layer's index on a category axis). */
function whiskers(name: string, color: string, xAxisIndex: number, yAxisIndex: number, data: { value: [number, number, number]; tip: string }[]): object {
  return {
    type: 'custom',
    name,
    color,
    xAxisIndex,
    yAxisIndex,
    data,
    renderItem: (_params: unknown, api: RenderApi) => {
      const [x, low] = api.coord([api.value(0), api.value(1)]);
      const [, high] = api.coord([api.value(0), api.value(2)]);
      const style = { stroke: color, lineWidth: 1.2, opacity: 0.8 };
      return {
        type: 'group',
        children: [
          ...errorBarLines(x, low, high, 4, style),
        ],
      };
    },
    tooltip: { formatter: (p: { data: { tip: string } }) => p.data.tip },
    z: 1,
  };
}

/** Layers in the order the engine reports them (the run's layer order), and the categories present. */
function layersAndCategories(rows: { layer: string; category: string }[], categories: readonly string[]): { layers: string[]; cats: string[] } {
  const layers = [...new Set(rows.map((r) => r.layer))];
  const present = new Set(rows.map((r) => r.category));
  // The project's order first (stable colours), then any category the project no longer lists.
  const cats = [...categories.filter((c) => present.has(c)), ...[...present].filter((c) => !categories.includes(c))];
  return { layers, cats };
}

/**
 * The two-panel chart of reliability and replication: Dice of the selective sets per layer on the left,
 * the CSI correlation on the right, one legend entry per category.
 */
function diceAndCsiPanels(leftTitle: string, rightTitle: string, subtitle: string, layers: string[], cats: string[], series: object[]): ChartOption {
  return {
    title: [
      { text: subtitle, left: 'center', top: 0, textStyle: { fontSize: 11, fontWeight: 'normal', color: SUBTLE } },
      { text: leftTitle, left: '27%', textAlign: 'center', top: 44, textStyle: { fontSize: 12 } },
      { text: rightTitle, left: '76%', textAlign: 'center', top: 44, textStyle: { fontSize: 12 } },
    ],
    tooltip: { confine: true, trigger: 'item' },
    legend: { type: 'scroll', top: 20, data: cats },
    grid: [
      { left: '5%', width: '44%', top: 70, bottom: 50 },
      { left: '54%', width: '44%', top: 70, bottom: 50 },
    ],
    xAxis: [layerAxis(layers, 0), layerAxis(layers, 1)],
    yAxis: [
      { type: 'value', gridIndex: 0, name: 'Dice', min: 0, max: 1 },
      { type: 'value', gridIndex: 1, name: 'Pearson r', min: (v: { min: number }) => Math.min(0, Math.floor(v.min * 10) / 10), max: 1 },
    ],
    series,
  };
}

const layerAxis = (layers: string[], gridIndex: number) => ({ type: 'category', gridIndex, data: layers, boundaryGap: true, axisLabel: { interval: 0, fontSize: 10, rotate: layers.length > 6 ? 30 : 0 } });

/** Split-half reliability: Dice of the halves' selective sets (mean ± sd over splits) per layer, one line per category; CSI r beside it. */
export function reliabilityOption(result: ReliabilityResult, categories: readonly string[]): ChartOption {
  const { layers, cats } = layersAndCategories(result.rows, categories);
  const row = (layer: string, category: string) => result.rows.find((r) => r.layer === layer && r.category === category);
  const series: object[] = [];
  for (const category of cats) {
    const color = categoryColor(category);
    for (const [panel, key] of [[0, 'dice'], [1, 'csiR']] as const) {
      const label = key === 'dice' ? 'Dice' : 'CSI r';
      const points = layers.map((layer) => {
        const r = row(layer, category);
        const d = r?.[key];
        const tip = r ? html`${layer} · ${category}<br/>${label} ${fmt(d?.mean)} ± ${fmt(d?.sd)} over ${d?.values.length ?? 0} splits<br/>selected per half ${fmt(r.selectedA, 1)} / ${fmt(r.selectedB, 1)} of ${r.units}` : '';
        return { value: finite(d?.mean) ? d.mean : null, sd: d?.sd ?? null, tip };
      });
      series.push({
        type: 'line',
        name: category,
        color,
        xAxisIndex: panel,
        yAxisIndex: panel,
        connectNulls: false,
        symbolSize: 6,
        data: points.map((p) => ({ value: p.value, tip: p.tip })),
        tooltip: { formatter: (p: { data: { tip: string } }) => p.data.tip },
      });
      series.push(
        whiskers(category, color, panel, panel, points.flatMap((p, i) => (finite(p.value) && finite(p.sd) ? [{ value: [i, p.value - p.sd, p.value + p.sd] as [number, number, number], tip: p.tip }] : []))),
      );
    }
  }
  return diceAndCsiPanels('Dice of the halves’ selective sets', 'CSI correlation between halves', `run ${result.run}: ${result.splits} random splits (seed ${result.seed}), mean ± sd; ${result.perImageGroups ? 'halves of the images' : `halves of ${result.groupsPerCategory} image groups per category`}`, layers, cats, series);
}

/**
 * Replication between two runs: observed Dice per layer per category (solid) against the shuffle null
 * (dashed, the null's mean; its sd in the tooltip, with the expected Dice 2ab / N(a + b) and the
 * permutation p); CSI r against its null in the second panel.
 */
export function replicationOption(result: ReplicationResult, categories: readonly string[]): ChartOption {
  const { layers, cats } = layersAndCategories(result.rows, categories);
  const row = (layer: string, category: string) => result.rows.find((r) => r.layer === layer && r.category === category);
  const series: object[] = [];
  for (const category of cats) {
    const color = categoryColor(category);
    const rows = layers.map((layer) => row(layer, category));
    const tip = (i: number, what: 'dice' | 'csi') => {
      const r = rows[i];
      if (!r) return '';
      return what === 'dice'
        ? html`${r.layer} · ${category}<br/>Dice ${fmt(r.dice)} (Jaccard ${fmt(r.jaccard)})<br/>overlap ${r.overlap} of ${r.selectedA} / ${r.selectedB} selective (${r.units} units)<br/>null ${fmt(r.nullDice.mean)} ± ${fmt(r.nullDice.sd)} · expected ${fmt(r.expectedDice)}<br/>p Dice ${fmt(r.pDice, 4)} · p Jaccard ${fmt(r.pJaccard, 4)}`
        : html`${r.layer} · ${category}<br/>CSI r ${fmt(r.csiR)} over ${r.csiUnits} units<br/>null ${fmt(r.nullCsiR.mean)} ± ${fmt(r.nullCsiR.sd)}<br/>p ${fmt(r.pCsiR, 4)}`;
    };
    const line = (panel: number, name: string, values: Maybe[], what: 'dice' | 'csi', dashed: boolean) => ({
      type: 'line',
      name,
      color,
      xAxisIndex: panel,
      yAxisIndex: panel,
      symbol: dashed ? 'none' : 'circle',
      symbolSize: 6,
      lineStyle: dashed ? { type: 'dashed', width: 1.5, opacity: 0.8 } : { width: 2.5 },
      data: values.map((v, i) => ({ value: finite(v) ? v : null, tip: tip(i, what) })),
      tooltip: { formatter: (p: { data: { tip: string } }) => p.data.tip },
      ...(dashed ? { silent: false, z: 1 } : { z: 3 }),
    });
    series.push(
      line(0, category, rows.map((r) => r?.dice), 'dice', false),
      line(0, category, rows.map((r) => r?.nullDice.mean), 'dice', true),
      line(1, category, rows.map((r) => r?.csiR), 'csi', false),
      line(1, category, rows.map((r) => r?.nullCsiR.mean), 'csi', true),
    );
  }
  return diceAndCsiPanels('Dice of the two runs’ selective sets', 'CSI correlation between runs', `run ${result.runA} vs run ${result.runB} of ${result.projectB.split(/[/\\]/).pop()} · solid = observed, dashed = null from ${result.shuffles} shuffles within a layer`, layers, cats, series);
}
