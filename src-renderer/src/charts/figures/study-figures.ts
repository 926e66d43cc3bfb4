// The paper's figures for any number of models, as small multiples: one panel per target category,
// models as lines in a fixed style (dash and marker by their position in the study; colour is the
// category's), relative depth on x so models of different depth share an axis, significance marks from
// the comparison tests, and a caption with the project, models, recipe and n. Pure functions of
// StudyData: the Study screen, the exports, the report and the headless renderer all call them.
import type { CompareInterval, CompareRow } from '../../../../src-main/contract/results-types.ts';
import type { StudyData, StudyRunData } from '../../../../src-main/contract/study-types.ts';
import type { LayerCategoryRow } from '../../../../src-main/contract/types.ts';
import type { ChartOption } from '../echarts.ts';
import { categoryColor, modelStyle } from '../../lib/palette.ts';
import { captionBase, marksText } from './captions.ts';
import { axisNameText, axisText, FIGURE_FONT, frameComponents, frameFor, type FigureFrame, type FigureFrameOptions } from './layout.ts';
import { errorBarLines } from '../error-bar.ts';

export const FIGURE_KINDS = ['proportion', 'csi', 'evenness', 'consistency', 'spatial', 'activation'] as const;
export type FigureKind = (typeof FIGURE_KINDS)[number];

export const FIGURE_TITLES: Record<FigureKind, string> = {
  proportion: 'Proportion of category-selective units across depth',
  csi: 'Category selectivity (CSI) of the selective units per layer',
  evenness: 'Feature-map evenness of the selective units (channel entropy and Gini)',
  consistency: 'Representational consistency across layers',
  spatial: 'Spatial localization of the selective units',
  activation: 'Activation strength of the selective units',
};

export interface Figure {
  kind: FigureKind;
  title: string;
  caption: string;
  width: number;
  height: number;
  option: ChartOption;
}

/** A measure drawn against relative depth: a value per row, an optional interval, the tests that mark it. */
interface Measure {
  label: string;
  value(row: LayerCategoryRow): number | null;
  interval?: (row: LayerCategoryRow, run: StudyRunData, data: StudyData) => [number, number] | null;
  /** Compare test metrics whose significant results mark this measure. */
  tests: readonly string[];
  min?: number;
  max?: number;
}

const metric = (name: string) => (row: LayerCategoryRow) => row.metrics[name] ?? null;
const finite = (v: number | null | undefined): v is number => v !== null && v !== undefined && Number.isFinite(v);

/** Target categories in the first run's order, then any others the later runs have. */
export function studyCategories(data: StudyData): string[] {
  const out: string[] = [];
  for (const run of data.runs) for (const c of run.categories) if (!out.includes(c)) out.push(c);
  return out;
}

const interval = (ci: CompareInterval): [number, number] | null => (finite(ci.low) && finite(ci.high) ? [ci.low, ci.high] : null);

/** The comparison rows (paired image bootstrap, docs/method.md#comparison) of a run's layer and metric. */
function rowsOf(data: StudyData, run: StudyRunData, metric: string, category: string, layer: string): { row: CompareRow; side: 'A' | 'B' }[] {
  return data.comparisons.flatMap((c) => {
    const side = c.runs[0] === run.run.id ? 'A' : c.runs[1] === run.run.id ? 'B' : null;
    if (!side) return [];
    return c.rows.filter((r) => r.metric === metric && r.category === category && (side === 'A' ? r.layerA : r.layerB) === layer).map((row) => ({ row, side }));
  });
}

/** The 95 % image-bootstrap interval of the proportion of `row` from the first comparison that involves its run. */
function proportionInterval(row: LayerCategoryRow, run: StudyRunData, data: StudyData): [number, number] | null {
  for (const { row: r, side } of rowsOf(data, run, 'proportion', row.category, row.layer)) {
    const ci = interval(side === 'A' ? r.ciA : r.ciB);
    if (ci) return ci;
  }
  return null;
}

const MEASURES = {
  proportion: [{ label: 'selective units (%)', value: (r: LayerCategoryRow) => r.proportion * 100, interval: (r, run, data) => proportionInterval(r, run, data)?.map((v) => v * 100) as [number, number] | null, tests: ['proportion'], min: 0 }],
  csi: [
    {
      label: 'CSI (median, IQR)',
      value: metric('csiMedian'),
      interval: (r) => (finite(r.metrics.csiQ1) && finite(r.metrics.csiQ3) ? [r.metrics.csiQ1, r.metrics.csiQ3] : null),
      tests: ['csi_median'],
      min: -1,
      max: 1,
    },
  ],
  evenness: [
    { label: 'channel entropy (0–1)', value: metric('channelEntropy'), tests: ['channel_entropy'], min: 0, max: 1 },
    { label: 'channel Gini (0–1)', value: metric('channelGini'), tests: ['channel_gini'], min: 0, max: 1 },
  ],
  spatial: [
    { label: 'spatial entropy (0–1)', value: metric('spatialEntropy'), tests: ['spatial_entropy'], min: 0, max: 1 },
    { label: 'spatial Gini (0–1)', value: metric('spatialGini'), tests: ['spatial_gini'], min: 0, max: 1 },
  ],
  activation: [{ label: 'activation (× layer mean)', value: metric('activationNormalized'), tests: ['activation'] }],
} satisfies Record<Exclude<FigureKind, 'consistency'>, Measure[]>;

const DESCRIPTIONS: Record<Exclude<FigureKind, 'consistency'>, string> = {
  proportion: 'Proportion of units selective for each category (method.md #proportion) against relative depth (#relative-depth), one panel per category.',
  csi: 'Median and interquartile range of the CSI (method.md #csi) over each layer’s selective units.',
  evenness: 'How evenly the selective units spread over the feature maps (method.md #evenness): normalized entropy (1 = even) and Gini (0 = even) of the selective units per channel.',
  spatial: 'Spatial localization (method.md #spatial): normalized entropy and Gini of the selective units over the positions of the feature map (layers with one position left out).',
  activation: 'Mean response of the selective units to their category, divided by the layer’s mean response to all images (method.md #activation).',
};

const DEPTH_TICKS = [0, 0.25, 0.5, 0.75, 1];

/** The depth trend (slope of the proportion on relative depth) of each pair, where it differs significantly. */
function slopeText(data: StudyData): string {
  const found = data.comparisons.flatMap((c) =>
    c.rows.filter((r) => r.metric === 'proportion_slope' && r.significant).map((r) => `${c.models[0]} − ${c.models[1]} ${r.category} ${r.diff !== null ? r.diff.toFixed(3) : '–'} (q = ${r.q !== null ? r.q.toPrecision(2) : '–'})`),
  );
  return found.length ? ` Depth trend (slope on relative depth) differs: ${found.join('; ')}.` : '';
}

/** A tick step of 1, 2, 2.5, 3, 4 or 5 x 10^k so that four steps reach `value`. */
function niceStep(value: number): number {
  if (!(value > 0)) return 0.25;
  const raw = value / 4;
  const exp = 10 ** Math.floor(Math.log10(raw));
  return [1, 2, 2.5, 3, 4, 5, 10].map((m) => m * exp).find((m) => m >= raw * (1 - 1e-9)) ?? raw;
}

function unitsText(run: StudyRunData): string {
  const units = [...new Map(run.rows.map((r) => [r.layer, r.units])).values()];
  return units.length ? `${Math.min(...units).toLocaleString('en-US')}–${Math.max(...units).toLocaleString('en-US')} units per layer` : '';
}

function legendOf(frame: FigureFrame, data: StudyData): object {
  return {
    top: frame.legendTop,
    left: 'center',
    type: 'plain',
    itemWidth: frame.font(7) * 3,
    itemHeight: frame.font(7),
    textStyle: axisText(frame),
    data: data.runs.map((r, m) => ({
      name: r.model.name,
      itemStyle: { color: '#333333' },
      lineStyle: { color: '#333333', type: modelStyle(m).dash, width: 1.5 },
    })),
  };
}

/** Error bars as a custom series: a vertical line with caps at [low, high] for each point. */
function errorBars(points: { x: number; low: number; high: number }[], color: string, grid: number, width: number): object {
  return {
    type: 'custom',
    xAxisIndex: grid,
    yAxisIndex: grid,
    silent: true,
    data: points.map((p) => [p.x, p.low, p.high]),
    renderItem: (_params: unknown, api: { value(i: number): number; coord(p: [number, number]): [number, number] }) => {
      const [x, low] = api.coord([api.value(0), api.value(1)]);
      const [, high] = api.coord([api.value(0), api.value(2)]);
      const style = { stroke: color, lineWidth: width };
      return {
        type: 'group',
        children: [
          ...errorBarLines(x, low, high, 2.5, style),
        ],
      };
    },
    z: 1,
  };
}

/** Depth of layerA in the first run of each comparison, per significant test of these metrics. */
function significantDepths(data: StudyData, tests: readonly string[], category: string): { pair: number; depths: number[] }[] {
  return data.comparisons.map((c, pair) => {
    const runA = data.runs.find((r) => r.run.id === c.runs[0]);
    const depthOf = (layer: string) => runA?.rows.find((r) => r.layer === layer)?.depth;
    const depths = c.rows.filter((r) => r.significant && r.category === category && r.layerA !== null && tests.includes(r.metric)).map((r) => depthOf(r.layerA!)).filter(finite);
    return { pair, depths };
  });
}

function depthFigure(data: StudyData, kind: Exclude<FigureKind, 'consistency'>, options: FigureFrameOptions): Figure {
  const measures: Measure[] = MEASURES[kind];
  const categories = studyCategories(data);
  const units = data.runs.map((r) => `${r.model.name} ${unitsText(r)}`).join('; ');
  const bars = kind === 'proportion' && data.comparisons.some((c) => c.rows.some((r) => r.metric === 'proportion' && interval(r.ciA)));
  // The marks are explained when the figure has some.
  const anyMark = measures.some((m) => categories.some((c) => significantDepths(data, m.tests, c).some((d) => d.depths.length > 0)));
  const caption = `${DESCRIPTIONS[kind]} ${captionBase(data)} ${units}.${anyMark ? marksText(data, measures.flatMap((m) => m.tests)) : ''}${kind === 'proportion' ? slopeText(data) : ''}${bars ? ' Bars: 95 % paired image-bootstrap intervals (of each layer’s unit subset, method.md #comparison).' : ''}`;
  // Each measure starts a new row of panels: at most as many columns as the width holds (about 42 mm each).
  const fit = Math.max(1, Math.floor((options.widthMm ?? 183) / 42));
  const columns = Math.min(categories.length, fit);
  const blockRows = Math.ceil(categories.length / columns);
  const frame = frameFor(blockRows * columns * measures.length, FIGURE_TITLES[kind], caption, { ...options, columns });
  const grids: object[] = [];
  const xAxes: object[] = [];
  const yAxes: object[] = [];
  const series: object[] = [];
  const panelTitles: object[] = [];
  const pairs = data.comparisons.length;
  measures.forEach((measure, mi) => {
    // One y range per measure across its panels, so panels compare at a glance.
    const values = data.runs.flatMap((run) => run.rows.flatMap((r) => [measure.value(r), ...(measure.interval?.(r, run, data) ?? [])])).filter(finite);
    const top = measure.max ?? 4 * niceStep(Math.max(...values, 0));
    const bottom = measure.min ?? Math.min(0, ...values);
    const ticks = Array.from({ length: 5 }, (_, k) => bottom + ((top - bottom) * k) / 4);
    // Room above the data for one row of significance marks per compared pair.
    const marked = categories.some((c) => significantDepths(data, measure.tests, c).some((d) => d.depths.length > 0));
    const ceiling = top + (marked ? (top - bottom) * 0.1 * pairs : 0);
    categories.forEach((category, ci) => {
      const g = mi * categories.length + ci;
      const panel = frame.panels[mi * blockRows * columns + ci]!;
      const color = categoryColor(category);
      const firstColumn = ci % columns === 0;
      grids.push({ left: panel.left, top: panel.top, width: panel.width, height: panel.height, containLabel: false });
      xAxes.push({
        type: 'value',
        gridIndex: g,
        // A little room on both sides: the first and last layers' points and marks stay off the axes.
        min: -0.08,
        max: 1.08,
        name: 'relative depth',
        nameLocation: 'middle',
        nameGap: frame.font(6.5) * 2,
        nameTextStyle: axisNameText(frame),
        axisLabel: { ...axisText(frame), customValues: DEPTH_TICKS, formatter: (v: number) => String(v) },
        axisLine: { onZero: false, lineStyle: { color: '#555555' } },
        axisTick: { customValues: DEPTH_TICKS, lineStyle: { color: '#555555' } },
        splitLine: { show: false },
      });
      yAxes.push({
        type: 'value',
        gridIndex: g,
        min: bottom,
        max: ceiling,
        name: firstColumn ? measure.label : '',
        nameLocation: 'middle',
        nameGap: frame.font(6.5) * 3.4,
        nameTextStyle: axisNameText(frame),
        axisLabel: { ...axisText(frame), customValues: ticks, formatter: (v: number) => String(Number(v.toPrecision(3))) },
        axisLine: { show: true, onZero: false, lineStyle: { color: '#555555' } },
        axisTick: { show: true, customValues: ticks, lineStyle: { color: '#555555' } },
        splitLine: { show: false },
      });
      const n = data.images[category];
      panelTitles.push({
        text: `${category}${n ? ` (n = ${n})` : ''}`,
        left: panel.left + panel.width / 2,
        top: panel.top - frame.font(7) * 1.7,
        textAlign: 'center',
        textStyle: { fontSize: frame.font(7.5), fontWeight: 'bold', color, fontFamily: FIGURE_FONT },
      });
      data.runs.forEach((run, m) => {
        const style = modelStyle(m);
        const rows = run.rows.filter((r) => r.category === category).sort((a, b) => a.layerIndex - b.layerIndex);
        // Models side by side at each depth (a small offset), so their intervals do not hide each other.
        const offset = (m - (data.runs.length - 1) / 2) * 0.014;
        const points = rows.map((r) => ({ x: r.depth + offset, y: measure.value(r), interval: measure.interval?.(r, run, data) ?? null, layer: r.layer }));
        series.push({
          type: 'line',
          name: run.model.name,
          xAxisIndex: g,
          yAxisIndex: g,
          data: points.map((p) => ({ value: [p.x, finite(p.y) ? p.y : null], layer: p.layer })),
          connectNulls: false,
          color,
          symbol: style.symbol,
          symbolSize: frame.font(4),
          lineStyle: { type: style.dash, width: 1.4 * frame.zoom },
          itemStyle: { color, borderColor: '#ffffff', borderWidth: 0.5 },
          emphasis: { disabled: true },
          z: 2,
        });
        const bars = points.filter((p) => p.interval).map((p) => ({ x: p.x, low: p.interval![0], high: p.interval![1] }));
        if (bars.length) series.push(errorBars(bars, color, g, 0.9 * frame.zoom));
      });
      for (const { pair, depths } of significantDepths(data, measure.tests, category)) {
        if (depths.length === 0) continue;
        const y = ceiling - (top - bottom) * (0.05 + 0.1 * pair);
        series.push({
          type: 'scatter',
          name: `marks ${pair}`,
          xAxisIndex: g,
          yAxisIndex: g,
          symbolSize: 0,
          silent: true,
          data: depths.map((d) => [d, y]),
          label: { show: true, formatter: '*', color: '#111111', fontSize: frame.font(9), fontFamily: FIGURE_FONT, position: 'inside' },
        });
      }
    });
  });
  return framedFigure(kind, frame, caption, panelTitles, { legend: legendOf(frame, data), grid: grids, xAxis: xAxes, yAxis: yAxes, series });
}

/** A figure's option: white, no animation, the frame's title and caption with the panels' own labels. */
function framedFigure(kind: FigureKind, frame: FigureFrame, caption: string, labels: object[], parts: Record<string, unknown>): Figure {
  return {
    kind,
    title: FIGURE_TITLES[kind],
    caption,
    width: frame.width,
    height: frame.height,
    option: { animation: false, backgroundColor: '#ffffff', textStyle: { fontFamily: FIGURE_FONT }, title: [...frameComponents(frame).title, ...labels], ...parts },
  };
}

/** The matrix of B resampled onto A's layers by relative depth (nearest), so their difference is A − B. */
function alignedDifference(a: (number | null)[][], b: (number | null)[][]): (number | null)[][] {
  const nearest = (i: number, na: number, nb: number) => (na <= 1 || nb <= 1 ? 0 : Math.round((i / (na - 1)) * (nb - 1)));
  return a.map((row, i) =>
    row.map((v, j) => {
      const w = b[nearest(i, a.length, b.length)]?.[nearest(j, a.length, b.length)];
      return finite(v) && finite(w) ? v - w : null;
    }),
  );
}

function consistencyFigure(data: StudyData, options: FigureFrameOptions): Figure {
  const categories = studyCategories(data);
  const withMatrices = data.runs.filter((r) => r.consistency);
  const pairs = data.comparisons
    .map((c) => [data.runs.find((r) => r.run.id === c.runs[0]), data.runs.find((r) => r.run.id === c.runs[1])] as const)
    .filter((p): p is readonly [StudyRunData, StudyRunData] => !!p[0]?.consistency && !!p[1]?.consistency);
  const rows: { label: string; matrix: (category: string) => (number | null)[][] | null; layers: string[]; diff: boolean }[] = [
    ...withMatrices.map((r) => ({ label: r.model.name, matrix: (c: string) => r.consistency!.matrices[c] ?? null, layers: r.consistency!.layers, diff: false })),
    ...pairs.map(([a, b]) => ({
      label: `${a.model.name} −\n${b.model.name}`,
      matrix: (c: string) => (a.consistency!.matrices[c] && b.consistency!.matrices[c] ? alignedDifference(a.consistency!.matrices[c]!, b.consistency!.matrices[c]!) : null),
      layers: a.consistency!.layers,
      diff: true,
    })),
  ];
  const summary = withMatrices
    .map((r) => `${r.model.name}: ${categories.map((c) => `${c} ${r.consistency!.summary[c]?.mean?.toFixed(2) ?? '–'}`).join(', ')} (all-unit baseline ${r.consistency!.summary.baseline?.mean?.toFixed(2) ?? '–'})`)
    .join('; ');
  const caption = `Spearman correlation ρ between the layers’ RDMs of each category’s selective units (method.md #consistency); rows: each model, then the difference A − B of each compared pair (B resampled to A’s layers by relative depth), on the same scale; grey: undefined (fewer than two selective units). Mean off-diagonal consistency: ${summary || 'not computed'}. ${captionBase(data)}`;
  // Matrices read at a smaller size than line plots: about 21 mm a panel.
  const fit = Math.max(1, Math.floor((options.widthMm ?? 183) / 21));
  const columns = Math.min(categories.length, fit);
  const blockRows = Math.ceil(categories.length / columns);
  const frame = frameFor(Math.max(1, rows.length * blockRows * columns), FIGURE_TITLES.consistency, caption, { ...options, columns, panelAspect: 1, rowLabels: true });
  const grids: object[] = [];
  const xAxes: object[] = [];
  const yAxes: object[] = [];
  const series: object[] = [];
  const labels: object[] = [];
  const rowLabels: object[] = [];
  rows.forEach((row, ri) => {
    categories.forEach((category, ci) => {
      const g = ri * categories.length + ci;
      const panel = frame.panels[ri * blockRows * columns + ci]!;
      const matrix = row.matrix(category) ?? [];
      // Grey behind the cells: a cell left grey is undefined (too few selective units for an RDM).
      grids.push({ left: panel.left, top: panel.top, width: panel.width, height: panel.height, show: true, backgroundColor: '#e4e4e4', borderWidth: 0 });
      // As many layer names as fit the panel's side at 5.5 pt, evenly skipped.
      const every = Math.max(1, Math.ceil((row.layers.length * frame.font(5.5) * 1.3) / panel.height));
      const ticks = { ...axisText(frame), fontSize: frame.font(5.5), interval: every - 1 };
      xAxes.push({ type: 'category', gridIndex: g, data: row.layers, axisLabel: { ...ticks, rotate: 45, show: ri === rows.length - 1 && ci >= categories.length - columns }, axisTick: { show: false }, axisLine: { show: false }, splitArea: { show: false } });
      yAxes.push({ type: 'category', gridIndex: g, data: row.layers, inverse: true, axisLabel: { ...ticks, show: ci % columns === 0 }, axisTick: { show: false }, axisLine: { show: false } });
      const cells: [number, number, number | '-'][] = [];
      matrix.forEach((values, i) => values.forEach((v, j) => cells.push([j, i, finite(v) ? v : '-'])));
      series.push({ type: 'heatmap', xAxisIndex: g, yAxisIndex: g, data: cells, emphasis: { disabled: true }, progressive: 0 });
      if (ri === 0 || columns < categories.length) {
        labels.push({ text: category, left: panel.left + panel.width / 2, top: panel.top - frame.font(7) * 1.5, textAlign: 'center', textStyle: { fontSize: frame.font(6.5), fontWeight: 'bold', color: categoryColor(category), fontFamily: FIGURE_FONT } });
      }
      if (ci % columns === 0) {
        // The row's model (or pair) written upwards in the left margin, clear of the layer names.
        rowLabels.push({
          type: 'text',
          x: frame.font(7) * 0.3,
          y: panel.top + panel.height / 2,
          rotation: Math.PI / 2,
          style: { text: row.label, fontSize: frame.font(6.5), fontWeight: 'bold', fill: '#111111', fontFamily: FIGURE_FONT, align: 'center', verticalAlign: 'top' },
        });
      }
    });
  });
  // One scale for the matrices and their differences (both within [-1, 1]): blue-white-orange is
  // diverging and safe for red-green colour blindness.
  const scale = {
    type: 'continuous',
    min: -1,
    max: 1,
    orient: 'horizontal',
    left: 'center',
    top: frame.legendTop,
    itemWidth: frame.font(7),
    itemHeight: frame.font(7) * 10,
    text: ['1', '−1'],
    textStyle: axisText(frame),
    calculable: false,
    inRange: { color: ['#2166ac', '#f7f7f7', '#e08214'] },
  };
  return framedFigure('consistency', frame, caption, labels, { grid: grids, xAxis: xAxes, yAxis: yAxes, visualMap: scale, graphic: rowLabels, series });
}

/** One of the paper's figures of a study (or of a few runs), at a journal width. */
export function studyFigure(data: StudyData, kind: FigureKind, options: FigureFrameOptions = {}): Figure {
  return kind === 'consistency' ? consistencyFigure(data, options) : depthFigure(data, kind, options);
}

/** Whether the data can draw this figure (consistency needs it computed; spatial needs layers with positions). */
export function figureAvailable(data: StudyData, kind: FigureKind): boolean {
  if (kind === 'consistency') return data.runs.some((r) => r.consistency);
  if (kind === 'spatial') return data.runs.some((r) => r.rows.some((row) => finite(row.metrics.spatialEntropy)));
  return data.runs.length > 0;
}
