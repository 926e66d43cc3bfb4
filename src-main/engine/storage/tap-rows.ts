// A tap's row (tables taps and run_layers share the columns) as the domain type: the default layout
// ('chw', no extra tokens) is left out, as TapShape leaves it out.
import type { TapLayout, TapShape } from '../pipeline-types.ts';

export const TAP_COLUMNS = 'name, tensor, channels, height, width, layout, extra_tokens, batch_axis';

export interface StoredTap {
  name: string;
  tensor: string;
  channels: number;
  height: number;
  width: number;
  layout: TapLayout;
  extra_tokens: number;
  batch_axis: 0 | 1;
}

/** The row values after (owner id, position), in TAP_COLUMNS order. */
export function rowOfTap(tap: TapShape): [string, string, number, number, number, TapLayout, number, 0 | 1] {
  return [tap.name, tap.tensor, tap.channels, tap.height, tap.width, tap.layout ?? 'chw', tap.extraTokens ?? 0, tap.batchAxis ?? 0];
}

export function tapOfRow(row: StoredTap): TapShape {
  const tap: TapShape = { name: row.name, tensor: row.tensor, channels: row.channels, height: row.height, width: row.width };
  if (row.layout === 'tokens') {
    tap.layout = 'tokens';
    if (row.extra_tokens > 0) tap.extraTokens = row.extra_tokens;
  }
  if (row.batch_axis === 1) tap.batchAxis = 1;
  return tap;
}
