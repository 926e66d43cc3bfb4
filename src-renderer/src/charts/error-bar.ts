// The whisker every chart with intervals draws (custom series renderItem): a vertical line from low to
// high with a cap of half-width `cap` pixels at each end, in one stroke style.
export function errorBarLines(x: number, low: number, high: number, cap: number, style: object): object[] {
  return [
    { type: 'line', shape: { x1: x, y1: low, x2: x, y2: high }, style },
    { type: 'line', shape: { x1: x - cap, y1: low, x2: x + cap, y2: low }, style },
    { type: 'line', shape: { x1: x - cap, y1: high, x2: x + cap, y2: high }, style },
  ];
}
