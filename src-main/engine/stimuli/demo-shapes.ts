// Procedural drawings for the demo localizer set, as SVG. Each category has its own structure, not just
// its own colours: faces are configurations of eyes, brows, nose and mouth inside a head outline with
// varied geometry; bodies are headless-detail silhouettes with jointed limbs in varied poses; scenes are
// perspective layouts (corridors, rooms, open landscapes with a horizon). Everything comes from the Rng.
import type { Rng } from '../random.ts';

const f = (v: number) => v.toFixed(1);
const between = (rng: Rng, lo: number, hi: number) => lo + (hi - lo) * rng.next();
const grey = (v: number) => `rgb(${Math.round(v)},${Math.round(v)},${Math.round(v)})`;
const rgb = (r: number, g: number, b: number) => `rgb(${Math.round(r)},${Math.round(g)},${Math.round(b)})`;
const svg = (size: number, body: string) => `<svg xmlns="http://www.w3.org/2000/svg" width="${size}" height="${size}">${body}</svg>`;

export function faceSvg(size: number, rng: Rng): string {
  const s = size / 224;
  const cx = 112 * s + between(rng, -10, 10) * s;
  const cy = 118 * s + between(rng, -8, 8) * s;
  const rx = between(rng, 56, 74) * s;
  const ry = between(rng, 74, 92) * s;
  const tilt = between(rng, -12, 12);
  const skin = between(rng, 120, 215);
  const tone = rgb(skin, skin * between(rng, 0.78, 0.9), skin * between(rng, 0.65, 0.8));
  const hair = grey(between(rng, 20, 110));
  const eyeY = cy - ry * between(rng, 0.12, 0.3);
  const eyeDx = rx * between(rng, 0.3, 0.45);
  const eyeRx = rx * between(rng, 0.12, 0.2);
  const eyeRy = eyeRx * between(rng, 0.45, 0.75);
  const pupil = eyeRy * between(rng, 0.6, 0.9);
  const gazeX = between(rng, -0.4, 0.4) * eyeRx;
  const browY = eyeY - eyeRy - ry * between(rng, 0.08, 0.16);
  const browTilt = between(rng, -0.25, 0.25) * eyeRx;
  const noseY = cy + ry * between(rng, 0.05, 0.22);
  const noseW = rx * between(rng, 0.1, 0.2);
  const mouthY = cy + ry * between(rng, 0.4, 0.58);
  const mouthW = rx * between(rng, 0.3, 0.55);
  const smile = between(rng, -0.12, 0.3) * ry;
  const background = grey(between(rng, 150, 235));
  const hairStyle = rng.int(3);
  const hairShape =
    hairStyle === 0
      ? `<ellipse cx="${f(cx)}" cy="${f(cy - ry * 0.35)}" rx="${f(rx * 1.08)}" ry="${f(ry * 0.8)}" fill="${hair}"/>`
      : hairStyle === 1
        ? `<path d="M${f(cx - rx * 1.05)},${f(cy)} Q${f(cx - rx)},${f(cy - ry * 1.35)} ${f(cx)},${f(cy - ry * 1.08)} Q${f(cx + rx)},${f(cy - ry * 1.35)} ${f(cx + rx * 1.05)},${f(cy)} Z" fill="${hair}"/>`
        : `<rect x="${f(cx - rx * 1.1)}" y="${f(cy - ry * 1.1)}" width="${f(rx * 2.2)}" height="${f(ry * 1.9)}" rx="${f(rx * 0.6)}" fill="${hair}"/>`;
  const eye = (side: number) => {
    const ex = cx + side * eyeDx;
    return (
      `<ellipse cx="${f(ex)}" cy="${f(eyeY)}" rx="${f(eyeRx)}" ry="${f(eyeRy)}" fill="rgb(245,245,240)"/>` +
      `<circle cx="${f(ex + gazeX)}" cy="${f(eyeY)}" r="${f(pupil)}" fill="rgb(25,20,20)"/>` +
      `<line x1="${f(ex - eyeRx * 1.1)}" y1="${f(browY + side * browTilt)}" x2="${f(ex + eyeRx * 1.1)}" y2="${f(browY - side * browTilt)}" stroke="${hair}" stroke-width="${f(4 * s)}" stroke-linecap="round"/>`
    );
  };
  const features =
    `<ellipse cx="${f(cx - rx)}" cy="${f(eyeY + ry * 0.15)}" rx="${f(rx * 0.14)}" ry="${f(ry * 0.22)}" fill="${tone}"/>` +
    `<ellipse cx="${f(cx + rx)}" cy="${f(eyeY + ry * 0.15)}" rx="${f(rx * 0.14)}" ry="${f(ry * 0.22)}" fill="${tone}"/>` +
    `<ellipse cx="${f(cx)}" cy="${f(cy)}" rx="${f(rx)}" ry="${f(ry)}" fill="${tone}"/>` +
    eye(-1) +
    eye(1) +
    `<path d="M${f(cx)},${f(eyeY + eyeRy)} L${f(cx - noseW)},${f(noseY)} L${f(cx + noseW * 0.6)},${f(noseY)}" fill="none" stroke="rgb(90,60,50)" stroke-width="${f(2.5 * s)}" stroke-linejoin="round"/>` +
    `<path d="M${f(cx - mouthW)},${f(mouthY)} Q${f(cx)},${f(mouthY + smile)} ${f(cx + mouthW)},${f(mouthY)}" fill="none" stroke="rgb(120,40,40)" stroke-width="${f(4 * s)}" stroke-linecap="round"/>`;
  const neck = `<rect x="${f(cx - rx * 0.35)}" y="${f(cy + ry * 0.7)}" width="${f(rx * 0.7)}" height="${f(size)}" fill="${tone}"/>`;
  return svg(size, `<rect width="${size}" height="${size}" fill="${background}"/><g transform="rotate(${f(tilt)} ${f(cx)} ${f(cy)})">${hairShape}${neck}${features}</g>`);
}

/** A point at `length` from (x, y) in direction `angle` (degrees, 0 = down, positive = towards +x). */
function limb(x: number, y: number, angle: number, length: number): [number, number] {
  const r = (angle * Math.PI) / 180;
  return [x + Math.sin(r) * length, y + Math.cos(r) * length];
}

const POSES = ['standing', 'walking', 'arms-up', 'reaching', 'sitting', 'running'] as const;

export function bodySvg(size: number, rng: Rng): string {
  const s = size / 224;
  const pose = POSES[rng.int(POSES.length)]!;
  const height = between(rng, 150, 190) * s;
  const unit = height / 8; // a head is one eighth of the body, as in figure drawing
  const hipX = between(rng, 85, 139) * s;
  const hipY = 112 * s + height * 0.05 + between(rng, -6, 6) * s;
  const lean = between(rng, -12, 12);
  const [neckX, neckY] = limb(hipX, hipY, 180 + lean, unit * 3);
  const shoulder = unit * between(rng, 0.8, 1.1);
  const armA = { standing: [15, 10], walking: [-25, 30], 'arms-up': [160, 170], reaching: [100, 60], sitting: [20, 30], running: [-60, 70] }[pose];
  const legA = { standing: [6, 4], walking: [-20, 22], 'arms-up': [8, 5], reaching: [12, -4], sitting: [-80, -75], running: [-45, 50] }[pose];
  const jitter = () => between(rng, -10, 10);
  const width = unit * between(rng, 0.35, 0.5);
  const ink = grey(between(rng, 15, 80));
  const lines: string[] = [];
  const segment = (a: [number, number], b: [number, number], w: number) =>
    lines.push(`<line x1="${f(a[0])}" y1="${f(a[1])}" x2="${f(b[0])}" y2="${f(b[1])}" stroke-width="${f(w)}"/>`);
  for (const side of [-1, 1]) {
    const sx = neckX + side * shoulder;
    const upper = (side < 0 ? armA[0]! : armA[1]!) * (side < 0 ? -1 : 1) + jitter();
    const elbow = limb(sx, neckY + unit * 0.2, upper, unit * 1.5);
    const hand = limb(elbow[0], elbow[1], upper + side * between(rng, 0, 50) * (pose === 'arms-up' ? -1 : 1), unit * 1.4);
    segment([sx, neckY + unit * 0.2], elbow, width);
    segment(elbow, hand, width * 0.85);
    const hx = hipX + side * unit * 0.45;
    const thigh = (side < 0 ? legA[0]! : legA[1]!) * (pose === 'sitting' ? side : 1) + jitter() * 0.5;
    const knee = limb(hx, hipY, thigh, unit * 2);
    const shin = pose === 'sitting' ? 0 + jitter() : thigh + between(rng, -5, 35) * (pose === 'running' ? 1 : 0.3);
    const foot = limb(knee[0], knee[1], shin, unit * 1.9);
    segment([hx, hipY], knee, width * 1.3);
    segment(knee, foot, width * 1.1);
    lines.push(`<line x1="${f(foot[0])}" y1="${f(foot[1])}" x2="${f(foot[0] + side * unit * 0.5)}" y2="${f(foot[1])}" stroke-width="${f(width * 0.8)}"/>`);
  }
  const torso = `<path d="M${f(neckX - shoulder)},${f(neckY)} L${f(neckX + shoulder)},${f(neckY)} L${f(hipX + unit * 0.6)},${f(hipY)} L${f(hipX - unit * 0.6)},${f(hipY)} Z"/>`;
  const [headX, headY] = limb(neckX, neckY, 180 + lean * 1.5, unit * 0.75);
  const head = `<ellipse cx="${f(headX)}" cy="${f(headY)}" rx="${f(unit * 0.42)}" ry="${f(unit * 0.52)}"/>`;
  const background = grey(between(rng, 170, 240));
  return svg(
    size,
    `<rect width="${size}" height="${size}" fill="${background}"/><g fill="${ink}" stroke="${ink}" stroke-linecap="round" stroke-linejoin="round">${torso}${lines.join('')}${head}</g>`,
  );
}

function polygon(points: [number, number][], fill: string): string {
  return `<polygon points="${points.map(([x, y]) => `${f(x)},${f(y)}`).join(' ')}" fill="${fill}"/>`;
}

/** A point on the segment from a to b at fraction t. */
function lerp(a: [number, number], b: [number, number], t: number): [number, number] {
  return [a[0] + (b[0] - a[0]) * t, a[1] + (b[1] - a[1]) * t];
}

function corridor(size: number, rng: Rng): string {
  const vp: [number, number] = [size * between(rng, 0.35, 0.65), size * between(rng, 0.38, 0.55)];
  const depth = between(rng, 0.12, 0.3); // back wall half-size relative to the frame
  const back: [number, number][] = [
    [vp[0] - size * depth, vp[1] - size * depth * 1.2],
    [vp[0] + size * depth, vp[1] - size * depth * 1.2],
    [vp[0] + size * depth, vp[1] + size * depth],
    [vp[0] - size * depth, vp[1] + size * depth],
  ];
  const corners: [number, number][] = [[0, 0], [size, 0], [size, size], [0, size]];
  const wall = between(rng, 130, 200);
  const tint = [between(rng, 0.85, 1.1), between(rng, 0.85, 1.05), between(rng, 0.8, 1)];
  const shade = (v: number) => rgb(v * tint[0]!, v * tint[1]!, v * tint[2]!);
  const parts = [
    polygon([corners[0]!, corners[1]!, back[1]!, back[0]!], shade(wall * 1.15)), // ceiling
    polygon([corners[3]!, corners[2]!, back[2]!, back[3]!], shade(wall * 0.55)), // floor
    polygon([corners[0]!, back[0]!, back[3]!, corners[3]!], shade(wall * 0.8)), // left wall
    polygon([corners[1]!, back[1]!, back[2]!, corners[2]!], shade(wall * 0.9)), // right wall
    polygon(back, shade(wall * 0.7)),
  ];
  // floor tiles: lines converging to the vanishing point, and cross lines at perspective spacing
  const lines: string[] = [];
  for (let i = 1; i < 6; i++) {
    const a = lerp(corners[3]!, corners[2]!, i / 6);
    const b = lerp(back[3]!, back[2]!, i / 6);
    lines.push(`<line x1="${f(a[0])}" y1="${f(a[1])}" x2="${f(b[0])}" y2="${f(b[1])}"/>`);
  }
  for (let k = 1; k < 7; k++) {
    const t = 1 - 1 / (1 + k * 0.6);
    const l = lerp(corners[3]!, back[3]!, t);
    const r = lerp(corners[2]!, back[2]!, t);
    lines.push(`<line x1="${f(l[0])}" y1="${f(l[1])}" x2="${f(r[0])}" y2="${f(r[1])}"/>`);
  }
  // doors on the side walls, drawn in perspective between two depths
  const doors: string[] = [];
  const doorCount = 1 + rng.int(3);
  for (let d = 0; d < doorCount; d++) {
    const side = rng.int(2);
    const t0 = between(rng, 0.1, 0.6);
    const t1 = t0 + between(rng, 0.1, 0.18);
    const [outerTop, outerBottom, innerTop, innerBottom] = side === 0 ? [corners[0]!, corners[3]!, back[0]!, back[3]!] : [corners[1]!, corners[2]!, back[1]!, back[2]!];
    const top0 = lerp(lerp(outerTop, innerTop, t0), lerp(outerBottom, innerBottom, t0), 0.25);
    const bottom0 = lerp(outerBottom, innerBottom, t0);
    const top1 = lerp(lerp(outerTop, innerTop, t1), lerp(outerBottom, innerBottom, t1), 0.25);
    const bottom1 = lerp(outerBottom, innerBottom, t1);
    doors.push(polygon([top0, top1, bottom1, bottom0], shade(wall * between(rng, 0.3, 0.5))));
  }
  return svg(size, `${parts.join('')}${doors.join('')}<g stroke="${grey(60)}" stroke-width="1.2" opacity="0.6">${lines.join('')}</g>`);
}

function room(size: number, rng: Rng): string {
  const horizonY = size * between(rng, 0.5, 0.65);
  const cornerX = size * between(rng, 0.25, 0.75);
  const topY = size * between(rng, 0.05, 0.2);
  const wallA = between(rng, 150, 220);
  const wallB = wallA * between(rng, 0.7, 0.9);
  const floor = rgb(between(rng, 90, 150), between(rng, 70, 110), between(rng, 50, 80));
  const parts = [
    `<rect width="${size}" height="${size}" fill="${grey(wallA * 1.1)}"/>`,
    polygon([[0, topY - size * 0.15], [cornerX, topY], [cornerX, horizonY], [0, horizonY + size * 0.25]], grey(wallA)),
    polygon([[cornerX, topY], [size, topY - size * 0.12], [size, horizonY + size * 0.2], [cornerX, horizonY]], grey(wallB)),
    polygon([[0, horizonY + size * 0.25], [cornerX, horizonY], [size, horizonY + size * 0.2], [size, size], [0, size]], floor),
    `<line x1="${f(cornerX)}" y1="${f(topY)}" x2="${f(cornerX)}" y2="${f(horizonY)}" stroke="${grey(70)}" stroke-width="1.5"/>`,
  ];
  // a window on one wall, a table on the floor (a box seen from above the horizon)
  const wx = rng.next() < 0.5 ? cornerX * between(rng, 0.2, 0.5) : cornerX + (size - cornerX) * between(rng, 0.2, 0.5);
  const wy = topY + (horizonY - topY) * between(rng, 0.15, 0.35);
  const ww = size * between(rng, 0.12, 0.2);
  const wh = (horizonY - topY) * between(rng, 0.3, 0.45);
  parts.push(`<rect x="${f(wx)}" y="${f(wy)}" width="${f(ww)}" height="${f(wh)}" fill="rgb(170,205,235)" stroke="${grey(240)}" stroke-width="4"/>`);
  parts.push(`<line x1="${f(wx + ww / 2)}" y1="${f(wy)}" x2="${f(wx + ww / 2)}" y2="${f(wy + wh)}" stroke="${grey(240)}" stroke-width="3"/>`);
  const tx = size * between(rng, 0.2, 0.6);
  const ty = horizonY + (size - horizonY) * between(rng, 0.25, 0.5);
  const tw = size * between(rng, 0.2, 0.32);
  const top = rgb(between(rng, 100, 160), between(rng, 60, 100), 40);
  parts.push(polygon([[tx, ty], [tx + tw, ty], [tx + tw * 1.15, ty + tw * 0.25], [tx + tw * 0.15, ty + tw * 0.25]], top));
  for (const lx of [tx + tw * 0.2, tx + tw * 1.1]) parts.push(`<rect x="${f(lx)}" y="${f(ty + tw * 0.25)}" width="${f(size * 0.02)}" height="${f(tw * 0.4)}" fill="${grey(50)}"/>`);
  return svg(size, parts.join(''));
}

function landscape(size: number, rng: Rng): string {
  const horizonY = size * between(rng, 0.35, 0.6);
  const vpX = size * between(rng, 0.3, 0.7);
  const sky = `<defs><linearGradient id="sky" x1="0" y1="0" x2="0" y2="1"><stop offset="0" stop-color="${rgb(between(rng, 60, 120), between(rng, 120, 170), between(rng, 190, 240))}"/><stop offset="1" stop-color="${rgb(220, 230, 240)}"/></linearGradient></defs><rect width="${size}" height="${f(horizonY)}" fill="url(#sky)"/>`;
  const ground = `<rect y="${f(horizonY)}" width="${size}" height="${f(size - horizonY)}" fill="${rgb(between(rng, 70, 120), between(rng, 110, 160), between(rng, 50, 90))}"/>`;
  const ridge: string[] = [];
  let x = 0;
  while (x <= size) {
    ridge.push(`${f(x)},${f(horizonY - size * between(rng, 0.02, 0.18))}`);
    x += size * between(rng, 0.06, 0.15);
  }
  const mountains = `<polygon points="0,${f(horizonY)} ${ridge.join(' ')} ${size},${f(horizonY)}" fill="${rgb(110, 120, between(rng, 130, 160))}"/>`;
  const roadHalf = size * between(rng, 0.2, 0.45);
  const road = polygon([[vpX - 2, horizonY], [vpX + 2, horizonY], [size / 2 + roadHalf, size], [size / 2 - roadHalf, size]], grey(between(rng, 80, 120)));
  const houses: string[] = [];
  const count = rng.int(4);
  for (let i = 0; i < count; i++) {
    const depth = between(rng, 0.1, 0.7); // 0 at the horizon, 1 at the bottom edge
    const scale = depth * size * 0.35;
    const side = rng.next() < 0.5 ? -1 : 1;
    const baseY = horizonY + (size - horizonY) * depth;
    const hx = vpX + side * (roadHalf * depth * 1.6 + scale * 0.2);
    const hw = scale * 0.9;
    const x0 = side > 0 ? hx : hx - hw;
    houses.push(`<rect x="${f(x0)}" y="${f(baseY - scale * 0.6)}" width="${f(hw)}" height="${f(scale * 0.6)}" fill="${rgb(between(rng, 150, 220), between(rng, 120, 180), between(rng, 100, 150))}"/>`);
    houses.push(polygon([[x0 - hw * 0.08, baseY - scale * 0.6], [x0 + hw / 2, baseY - scale * 0.95], [x0 + hw * 1.08, baseY - scale * 0.6]], rgb(140, 50, 40)));
  }
  return svg(size, `${sky}${mountains}${ground}${road}${houses.join('')}`);
}

export const SCENE_LAYOUTS = ['corridor', 'room', 'landscape'] as const;

export function sceneSvg(size: number, rng: Rng, index: number): string {
  const layout = SCENE_LAYOUTS[index % SCENE_LAYOUTS.length]!;
  return layout === 'corridor' ? corridor(size, rng) : layout === 'room' ? room(size, rng) : landscape(size, rng);
}
