// A tap's row (tables taps and run_layers share the columns) as the domain type: the default layout
// ('chw', no extra tokens) is left out, as TapShape leaves it out.
import type { TapLayout, TapShape } from '../pipeline-types.ts';

export const TAP_COLUMNS = 'name, tensor, channels, height, width, layout, extra_tokens';

export interface StoredTap {
  name: string;
  tensor: string;
  channels: number;
  height: number;
  width: number;
  layout: TapLayout;
  extra_tokens: number;
}

export function tapOfRow(row: StoredTap): TapShape {
  const tap: TapShape = { name: row.name, tensor: row.tensor, channels: row.channels, height: row.height, width: row.width };
  if (row.layout === 'tokens') {
    tap.layout = 'tokens';
    if (row.extra_tokens > 0) tap.extraTokens = row.extra_tokens;
  }
  return tap;
}
