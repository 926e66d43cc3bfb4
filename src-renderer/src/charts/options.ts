// ECharts options for the app's figures (docs/method.md), as pure functions of the engine's
// aggregates and the selection, so they can be checked without a browser and exported identically.
import type { LayerCategoryRow } from '../../../src-main/contract/types.ts';
import type { ChannelsResult, CompareResult, ConsistencyResult, CsiResult, SpatialResult, UnitInspection } from '../../../src-main/contract/results-types.ts';
import type { ChartOption } from './echarts.ts';
import { unitAxes } from './unit-axes.ts';
import { categoryColor, MODEL_DASHES } from '../lib/palette.ts';
import { html } from './html.ts';
import { errorBarLines } from './error-bar.ts';

const fmt = (value: number | null | undefined, digits = 3) => (value === null || value === undefined || !Number.isFinite(value) ? '–' : value.toFixed(digits));
const tooltip = { confine: true };
const grid = { left: 52, right: 16, top: 36, bottom: 40, containLabel: false };

/**
 * A title and a one-line subtitle as two title components at fixed offsets. ECharts' own `subtext`
 * is placed from measured text heights and lands on the title in narrow panels at 1280 x 800.
 */
function titled(text: string, subtitle: string): object[] {
  return [
    { text, left: 'center', top: 0, textStyle: { fontSize: 12 } },
    { text: subtitle, left: 'center', top: 18, textStyle: { fontSize: 11, fontWeight: 'normal', color: '#8a93a3' } },
  ];
}

/** Proportion of selective units vs layer: a line per category; several models by line style over relative depth. */
export function proportionOption(rows: LayerCategoryRow[], categories: string[], selectedLayer: string | null, selectedCategory: string | null): ChartOption {
  const models = [...new Set(rows.map((r) => r.model))];
  const byDepth = models.length > 1;
  const layers = [...new Map(rows.filter((r) => r.model === models[0]).sort((a, b) => a.layerIndex - b.layerIndex).map((r) => [r.layer, r])).keys()];
  const series = models.flatMap((model, m) =>
    categories.map((category) => {
      const points = rows.filter((r) => r.model === model && r.category === category).sort((a, b) => a.layerIndex - b.layerIndex);
      const dim = selectedCategory !== null && selectedCategory !== category;
      return {
        type: 'line',
        name: byDepth ? `${category} · ${model}` : category,
        data: points.map((r) => ({ value: byDepth ? [r.depth, r.proportion] : r.proportion, layer: r.layer, category, model })),
        color: categoryColor(category),
        lineStyle: { type: MODEL_DASHES[m % MODEL_DASHES.length], width: dim ? 1.5 : 2.5, opacity: dim ? 0.45 : 1 },
        symbolSize: 7,
        emphasis: { focus: 'series' },
        ...(m === 0 && selectedLayer && !byDepth
          ? { markLine: { silent: true, symbol: 'none', label: { show: false }, lineStyle: { type: 'dashed', opacity: 0.6 }, data: [{ xAxis: selectedLayer }] } }
          : {}),
      };
    }),
  );
  return {
    tooltip: { ...tooltip, trigger: 'item', formatter: (p: { data: { layer: string; category: string; model: string; value: number | number[] } }) => {
      const v = Array.isArray(p.data.value) ? p.data.value[1] : p.data.value;
      return html`${p.data.model}<br/>${p.data.layer} · ${p.data.category}<br/>proportion ${fmt(v ?? null, 4)}`;
    } },
    legend: { type: 'scroll', top: 0 },
    grid,
    xAxis: byDepth ? { type: 'value', name: 'relative depth', min: 0, max: 1, nameLocation: 'middle', nameGap: 26 } : { type: 'category', data: layers, axisLabel: { rotate: layers.length > 8 ? 30 : 0, fontSize: 10 } },
    yAxis: { type: 'value', name: 'proportion selective', min: 0 },
    series,
  };
}

/** CSI distribution of one layer: histogram of all units and of the selective units (own axis). */
export function csiOption(csi: CsiResult, layer: string): ChartOption | null {
  const dist = csi.layers.find((l) => l.layer === layer) ?? csi.layers[0];
  if (!dist) return null;
  const centers = dist.edges.slice(0, -1).map((edge, i) => ((edge + dist.edges[i + 1]!) / 2).toFixed(2));
  const q = dist.quartilesSelective;
  return {
    title: titled(`${dist.layer} · ${csi.category}`, `selective: n ${q.count}, median ${fmt(q.median)}, IQR ${fmt(q.q1)}–${fmt(q.q3)}`),
    tooltip: { ...tooltip, trigger: 'axis' },
    legend: { bottom: 0 },
    grid: { ...grid, top: 78, bottom: 56, right: 52 },
    xAxis: { type: 'category', data: centers, name: 'CSI', nameLocation: 'middle', nameGap: 24, axisLabel: { interval: Math.max(0, Math.floor(centers.length / 5) - 1), fontSize: 10 } },
    yAxis: [
      { type: 'value', name: 'all units', splitLine: { show: false } },
      { type: 'value', name: 'selective', position: 'right' },
    ],
    series: [
      { type: 'bar', name: 'all units', data: dist.all, color: '#999999', barGap: '-100%', yAxisIndex: 0, itemStyle: { opacity: 0.55 } },
      { type: 'bar', name: 'selective', data: dist.selective, color: categoryColor(csi.category), yAxisIndex: 1 },
    ],
  };
}

/** Selective units per channel, sorted; brushing or clicking picks channels for the unit table. */
export function channelsOption(result: ChannelsResult, categories: string[], chosen: readonly number[]): ChartOption {
  const axes = unitAxes(result.layout);
  const chosenSet = new Set(chosen);
  const color = categoryColor(result.category);
  const m = result.metrics;
  return {
    title: titled(
      `${result.layer} · ${result.category}`,
      `${axes.channel}s used ${fmt(m.channelFraction, 2)} · entropy ${fmt(m.channelEntropy, 2)} · Gini ${fmt(m.channelGini, 2)} · top 10 % ${fmt(m.top10Share, 2)}`,
    ),
    tooltip: { ...tooltip, trigger: 'item', formatter: (p: { data: { channel: number; value: number; fraction: number } }) => html`${axes.channel} ${p.data.channel}<br/>selective ${p.data.value} (${fmt(p.data.fraction)} of ${result.unitsPerChannel})` },
    brush: { xAxisIndex: 0, toolbox: ['lineX', 'clear'], brushMode: 'single', throttleType: 'debounce', throttleDelay: 200 },
    toolbox: { right: 8, bottom: 0, feature: {} },
    grid: { ...grid, top: 72 },
    xAxis: { type: 'category', data: result.channels.map((c) => String(c.channel)), name: `${axes.channel} (sorted)`, nameLocation: 'middle', nameGap: 26, axisLabel: { show: result.channels.length <= 64 } },
    yAxis: { type: 'value', name: 'selective units', minInterval: 1 },
    series: [
      {
        type: 'bar',
        name: 'selective units',
        large: result.channels.length > 600,
        data: result.channels.map((c) => ({ value: c.selective, channel: c.channel, fraction: c.fraction, itemStyle: chosenSet.size === 0 || chosenSet.has(c.channel) ? { color } : { color, opacity: 0.3 } })),
      },
    ],
  };
}

/**
 * Where in the feature map (or a transformer's patch-token grid) the selective units sit: counts summed over
 * channels. A class token is a position of its own: the first row, labelled 'class token', holds it.
 */
export function spatialOption(result: SpatialResult, dark: boolean): ChartOption | null {
  const extra = result.layout === 'tokens' ? result.extraTokens : 0;
  if (result.height * result.width + extra <= 1) return null;
  const axes = unitAxes(result.layout);
  const rows = [...Array.from({ length: extra }, (_, i) => (extra === 1 ? 'class token' : `token ${i}`)), ...Array.from({ length: result.height }, (_, i) => String(i))];
  const data: [number, number, number][] = [];
  let max = 0;
  for (let t = 0; t < extra; t++) data.push([0, t, result.density[t] ?? 0]);
  for (let y = 0; y < result.height; y++) {
    for (let x = 0; x < result.width; x++) data.push([x, extra + y, result.density[extra + y * result.width + x] ?? 0]);
  }
  for (const d of data) max = Math.max(max, d[2]);
  const m = result.metrics;
  const where = (d: [number, number, number]) => (d[1] < extra ? rows[d[1]]! : `${axes.row} ${d[1] - extra}, ${axes.column} ${d[0]}`);
  return {
    title: titled(`${result.layer} · ${result.category}`, `spatial entropy ${fmt(m.spatialEntropy)} · Gini ${fmt(m.spatialGini)}${extra > 0 ? ` · ${axes.grid} with the class token` : ''}`),
    tooltip: { ...tooltip, formatter: (p: { data: [number, number, number] }) => html`${where(p.data)}<br/>${p.data[2]} selective units` },
    grid: { left: extra > 0 ? 84 : 40, right: 70, top: 64, bottom: 30 },
    xAxis: { type: 'category', data: Array.from({ length: result.width }, (_, i) => i), name: axes.column, splitArea: { show: false } },
    yAxis: { type: 'category', data: rows, name: axes.row, inverse: true },
    // viridis: perceptually uniform and readable with colour-vision deficiencies
    visualMap: { min: 0, max: Math.max(1, max), calculable: true, orient: 'vertical', right: 0, top: 'middle', itemHeight: 120, inRange: { color: ['#440154', '#3b528b', '#21918c', '#5ec962', '#fde725'] }, textStyle: { color: dark ? '#ddd' : '#333' } },
    series: [{ type: 'heatmap', data, progressive: 4096 }],
  };
}

/** Layer x layer RDM consistency (Spearman) for one category; clicking a cell picks its row's layer. */
export function consistencyOption(result: ConsistencyResult, category: string | null, dark: boolean): ChartOption | null {
  const key = category && result.matrices[category] ? category : Object.keys(result.matrices)[0];
  if (!key) return null;
  const matrix = result.matrices[key] ?? [];
  const data: [number, number, number | '-'][] = [];
  matrix.forEach((row, i) => row.forEach((value, j) => data.push([j, i, value === null ? '-' : value])));
  const s = result.summary[key];
  const b = result.summary.baseline;
  return {
    title: titled(`consistency · ${key}`, `mean ${fmt(s?.mean)} (adjacent ${fmt(s?.adjacent)}) · all-unit baseline ${fmt(b?.mean)}`),
    tooltip: { ...tooltip, formatter: (p: { data: [number, number, number | '-'] }) => html`${result.layers[p.data[1]]} × ${result.layers[p.data[0]]}<br/>ρ ${typeof p.data[2] === 'number' ? p.data[2].toFixed(3) : 'undefined'}` },
    grid: { left: 70, right: 70, top: 64, bottom: 60 },
    xAxis: { type: 'category', data: result.layers, axisLabel: { rotate: 45, fontSize: 9 } },
    yAxis: { type: 'category', data: result.layers, inverse: true, axisLabel: { fontSize: 9 } },
    // blue-white-orange: a diverging scale safe for red-green colour blindness
    visualMap: { min: -1, max: 1, calculable: true, right: 0, top: 'middle', itemHeight: 120, inRange: { color: ['#2166ac', '#f7f7f7', '#e08214'] }, textStyle: { color: dark ? '#ddd' : '#333' } },
    series: [{ type: 'heatmap', data, label: { show: result.layers.length <= 8, formatter: (p: { data: [number, number, number | '-'] }) => (typeof p.data[2] === 'number' ? p.data[2].toFixed(2) : '') } }],
  };
}

/** Unit inspector: category means with 95 % intervals (error bars) and every image's response. */
export function inspectorOption(unit: UnitInspection): ChartOption {
  const names = unit.categories.map((c) => c.category);
  // Deterministic jitter so the strip plot does not move between redraws.
  const jitter = (i: number) => (((i * 2654435761) % 1000) / 1000 - 0.5) * 0.5;
  return {
    // The inspector opens on a click; its figure is there at once, not grown in.
    animation: false,
    tooltip: { ...tooltip, trigger: 'item' },
    grid: { left: 56, right: 16, top: 24, bottom: 40 },
    // Labels from a category axis; the strip plot's jittered, fractional x positions and the error bars
    // on a hidden value axis spanning the same bands (category i is centred on i).
    xAxis: [
      { type: 'category', data: names, axisLabel: { interval: 0, fontSize: 10, rotate: names.length > 6 ? 30 : 0 } },
      { type: 'value', min: -0.5, max: names.length - 0.5, show: false },
    ],
    // onZero off: the y axis stays at the left edge, not at x = 0 of the hidden value axis.
    yAxis: { type: 'value', name: 'response', scale: true, axisLine: { onZero: false } },
    series: [
      {
        type: 'scatter',
        name: 'images',
        symbolSize: 5,
        data: unit.responses.map((r, i) => ({ value: [names.indexOf(r.category) + jitter(i), r.value], itemStyle: { color: categoryColor(r.category), opacity: 0.45 }, image: r.image })),
        xAxisIndex: 1,
        tooltip: { formatter: (p: { data: { image: number; value: [number, number] } }) => html`image ${p.data.image}<br/>${p.data.value[1].toFixed(4)}` },
      },
      {
        type: 'custom',
        name: 'mean ± 95 % CI',
        data: unit.categories.map((c, i) => [i, c.mean, c.low ?? c.mean, c.high ?? c.mean]),
        xAxisIndex: 1,
        renderItem: (_params: unknown, api: { value(i: number): number; coord(p: [number, number]): [number, number]; style(s?: object): object }) => {
          const [x, mean] = api.coord([api.value(0), api.value(1)]);
          const [, low] = api.coord([api.value(0), api.value(2)]);
          const [, high] = api.coord([api.value(0), api.value(3)]);
          const style = { stroke: '#888', lineWidth: 2 };
          return {
            type: 'group',
            children: [
              ...errorBarLines(x, low, high, 8, style),
              { type: 'rect', shape: { x: x - 12, y: mean - 2, width: 24, height: 4 }, style: { fill: '#888' } },
            ],
          };
        },
        tooltip: { formatter: (p: { dataIndex: number }) => {
          const c = unit.categories[p.dataIndex]!;
          return html`${c.category} (n ${c.n})<br/>mean ${fmt(c.mean, 4)}<br/>95 % CI ${fmt(c.low, 4)} – ${fmt(c.high, 4)}`;
        } },
        z: 3,
      },
    ],
  };
}

/**
 * Model comparison for one metric: A and B per aligned layer and category (image-level values, 95 % bootstrap
 * intervals in the tooltip), '*' where the difference is significant after FDR.
 */
export function compareOption(result: CompareResult, metric: string, categories: string[]): ChartOption {
  const rows = result.rows.filter((t) => t.metric === metric);
  const layerPairs = [...new Set(rows.map((t) => (t.layerA === null ? 'all layers (slope)' : `${t.layerA} / ${t.layerB}`)))];
  const pairOf = (t: CompareResult['rows'][number]) => (t.layerA === null ? 'all layers (slope)' : `${t.layerA} / ${t.layerB}`);
  const cats = categories.filter((c) => rows.some((t) => t.category === c));
  const series = cats.flatMap((category) =>
    result.models.map((model, m) => ({
      type: 'bar',
      name: `${category} · ${model}`,
      color: categoryColor(category),
      itemStyle: m === 1 ? { decal: { symbol: 'rect', dashArrayX: [1, 0], dashArrayY: [3, 3], rotation: Math.PI / 4 } } : {},
      data: layerPairs.map((pair) => {
        const t = rows.find((x) => x.category === category && pairOf(x) === pair);
        const value = t ? (m === 0 ? t.valueA : t.valueB) : null;
        const ci = t ? (m === 0 ? t.ciA : t.ciB) : null;
        return { value, label: { show: m === 1 && t?.significant === true, position: 'top', formatter: '*', fontSize: 16 }, q: t?.q ?? null, low: ci?.low ?? null, high: ci?.high ?? null, n: t ? (m === 0 ? t.n.imagesA : t.n.imagesB) : null };
      }),
    })),
  );
  return {
    aria: { enabled: true, decal: { show: true } },
    tooltip: {
      ...tooltip,
      trigger: 'item',
      formatter: (p: { seriesName: string; name: string; data: { value: number | null; q: number | null; low: number | null; high: number | null; n: number | null } }) =>
        html`${p.seriesName}<br/>${p.name}<br/>${metric} ${fmt(p.data.value, 4)} (95 % CI ${fmt(p.data.low, 4)} – ${fmt(p.data.high, 4)})<br/>q of A − B ${fmt(p.data.q, 4)}<br/>n images ${p.data.n ?? '–'}`,
    },
    legend: { type: 'scroll', top: 0 },
    grid: { ...grid, top: 40, bottom: 70 },
    xAxis: { type: 'category', data: layerPairs, axisLabel: { rotate: 30, fontSize: 9 } },
    yAxis: { type: 'value', name: metric },
    series,
  };
}
