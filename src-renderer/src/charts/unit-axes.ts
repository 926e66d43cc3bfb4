// Axis names for a layer's units (docs/models.md "Units"): feature maps have channels and a y, x grid; a
// transformer's tokens x dims have dims and a patch-token grid, with the class token a position of its own.
export type UnitLayout = 'chw' | 'tokens';

export interface UnitAxes {
  /** What a channel is called: 'channel' or 'dim'. */
  channel: string;
  row: string;
  column: string;
  /** Name of the whole grid, for titles. */
  grid: string;
}

export function unitAxes(layout: UnitLayout): UnitAxes {
  return layout === 'tokens'
    ? { channel: 'dim', row: 'patch row', column: 'patch column', grid: 'token grid' }
    : { channel: 'channel', row: 'y', column: 'x', grid: 'feature map' };
}

/** Where a unit sits, in the words of its layout: 'channel 3, y 2, x 5', 'dim 5, class token', 'dim 5, patch row 1, column 1'. */
export function unitPlace(unit: { layout: UnitLayout; channel: number; y: number; x: number }): string {
  const axes = unitAxes(unit.layout);
  if (unit.y < 0) return `${axes.channel} ${unit.channel}, class token`;
  return `${axes.channel} ${unit.channel}, ${axes.row} ${unit.y}, ${axes.column.replace('patch ', '')} ${unit.x}`;
}
