// `{@attach chart(...)}`: init ECharts once per element (and per theme), set the option in a nested
// effect so data changes only call setOption, and dispose on cleanup. Each live chart is registered so
// the dashboard can export every figure.
import type { Attachment } from 'svelte/attachments';
import { echarts, type ChartOption, type ECharts } from './echarts.ts';
import { settings, type Theme } from '../lib/settings.svelte.ts';

export interface ChartHandle {
  id: string;
  title: string;
  instance: ECharts;
  option(): ChartOption;
  theme: Theme;
}

/** The charts on screen now, by id (chart-proportion, chart-csi, ...). */
// A registry read on demand by the export buttons, never rendered: no reactivity wanted.
// eslint-disable-next-line svelte/prefer-svelte-reactivity
export const liveCharts = new Map<string, ChartHandle>();

export interface ChartEvents {
  click?: (params: { seriesName?: string; name?: string; dataIndex: number; data: unknown; value?: unknown; componentType?: string; seriesIndex?: number }) => void;
  brushSelected?: (params: { batch: { selected: { seriesIndex: number; dataIndex: number[] }[] }[] }) => void;
}

export function chart(id: string, title: string, option: () => ChartOption | null, events: ChartEvents = {}): Attachment<HTMLElement> {
  return (element) => {
    const theme = settings.theme; // read here: a theme change re-inits the chart with the other theme
    const instance = echarts.init(element, theme === 'dark' ? 'dark' : undefined, { renderer: 'canvas' });
    if (events.click) instance.on('click', (params) => events.click?.(params as Parameters<NonNullable<ChartEvents['click']>>[0]));
    if (events.brushSelected) instance.on('brushselected', (params) => events.brushSelected?.(params as Parameters<NonNullable<ChartEvents['brushSelected']>>[0]));
    let current: ChartOption = {};
    const handle: ChartHandle = { id, title, instance, option: () => current, theme };
    liveCharts.set(id, handle);

    $effect(() => {
      const next = option();
      if (!next) {
        instance.clear();
        current = {};
        return;
      }
      current = { backgroundColor: 'transparent', ...next };
      instance.setOption(current, { notMerge: true });
    });

    const observer = new ResizeObserver(() => instance.resize());
    observer.observe(element);
    return () => {
      observer.disconnect();
      if (liveCharts.get(id) === handle) liveCharts.delete(id);
      instance.dispose();
    };
  };
}
