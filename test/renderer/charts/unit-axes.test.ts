// The charts name a layer's axes by its layout: a feature map's channels and y, x; a transformer's dims
// and patch-token grid, with the class token drawn as a position of its own. Rendered with ECharts' SVG
// server-side renderer, as the report export does.
import * as echarts from 'echarts';
import { describe, expect, it } from 'vitest';
import type { ChannelsResult, SpatialResult } from '../../../src-main/contract/results-types.ts';
import { channelsOption, spatialOption } from '../../../src-renderer/src/charts/options.ts';
import { unitPlace } from '../../../src-renderer/src/charts/unit-axes.ts';
import type { ChartOption } from '../../../src-renderer/src/charts/echarts.ts';

function render(option: ChartOption): string {
  const chart = echarts.init(null, undefined, { renderer: 'svg', ssr: true, width: 640, height: 400 });
  chart.setOption(option);
  const svg = chart.renderToSVGString();
  chart.dispose();
  return svg;
}

const vit: SpatialResult = {
  run: 1,
  layer: 'encoder.layers.encoder_layer_11',
  category: 'faces',
  height: 2,
  width: 3,
  layout: 'tokens',
  extraTokens: 1,
  density: [7, 1, 2, 3, 4, 5, 6],
  metrics: { spatialEntropy: 0.9, spatialGini: 0.2 },
};

describe('unit axes', () => {
  it('draws a token grid with the class token as its own row', () => {
    const option = spatialOption(vit, false) as { xAxis: { name: string }; yAxis: { name: string; data: string[] }; series: { data: [number, number, number][] }[] };
    expect(option.xAxis.name).toBe('patch column');
    expect(option.yAxis.name).toBe('patch row');
    expect(option.yAxis.data).toEqual(['class token', '0', '1']);
    expect(option.series[0]!.data).toEqual([[0, 0, 7], [0, 1, 1], [1, 1, 2], [2, 1, 3], [0, 2, 4], [1, 2, 5], [2, 2, 6]]);
    const svg = render(option as ChartOption);
    expect(svg).toContain('class token');
    expect(svg).toContain('patch row');
  });

  it('keeps y and x for feature maps, and names channels or dims', () => {
    const map = spatialOption({ ...vit, layout: 'chw', extraTokens: 0, density: [1, 2, 3, 4, 5, 6] }, false) as { xAxis: { name: string }; yAxis: { name: string; data: string[] } };
    expect([map.xAxis.name, map.yAxis.name, map.yAxis.data]).toEqual(['x', 'y', ['0', '1']]);
    const channels: ChannelsResult = { run: 1, layer: 'l', category: 'faces', unitsPerChannel: 197, layout: 'tokens', channels: [{ channel: 4, selective: 3, fraction: 3 / 197 }], metrics: {} };
    const option = channelsOption(channels, ['faces'], []) as { xAxis: { name: string } };
    expect(option.xAxis.name).toBe('dim (sorted)');
    expect((channelsOption({ ...channels, layout: 'chw' }, ['faces'], []) as { xAxis: { name: string } }).xAxis.name).toBe('channel (sorted)');
    expect(unitPlace({ layout: 'tokens', channel: 5, y: -1, x: -1 })).toBe('dim 5, class token');
    expect(unitPlace({ layout: 'tokens', channel: 5, y: 1, x: 2 })).toBe('dim 5, patch row 1, column 2');
    expect(unitPlace({ layout: 'chw', channel: 3, y: 2, x: 5 })).toBe('channel 3, y 2, x 5');
  });
});
