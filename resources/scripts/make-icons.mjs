// Renders the app icons from resources/icons/icon.svg with sharp (run after editing the SVG; the
// outputs are committed so packaging needs no image tools):
//   icon.png (1024 px: electron-builder makes the macOS .icns from it), icon.ico (Windows, 16-256 px),
//   png/NxN.png (Linux hicolor sizes for AppImage and deb).
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import sharp from 'sharp';

const iconsDir = join(dirname(fileURLToPath(import.meta.url)), '..', 'icons');
const svg = readFileSync(join(iconsDir, 'icon.svg'));

async function png(size) {
  return sharp(svg, { density: Math.ceil((72 * size) / 1024) * 4 }).resize(size, size).png({ compressionLevel: 9 }).toBuffer();
}

/** An ICO file whose entries are PNG streams (valid since Windows Vista; what electron-builder accepts). */
function ico(images) {
  const header = Buffer.alloc(6);
  header.writeUInt16LE(0, 0);
  header.writeUInt16LE(1, 2); // type 1 = icon
  header.writeUInt16LE(images.length, 4);
  const entries = [];
  let offset = 6 + 16 * images.length;
  for (const { size, data } of images) {
    const entry = Buffer.alloc(16);
    entry.writeUInt8(size >= 256 ? 0 : size, 0); // 0 means 256
    entry.writeUInt8(size >= 256 ? 0 : size, 1);
    entry.writeUInt8(0, 2); // no palette
    entry.writeUInt8(0, 3);
    entry.writeUInt16LE(1, 4); // colour planes
    entry.writeUInt16LE(32, 6); // bits per pixel
    entry.writeUInt32LE(data.length, 8);
    entry.writeUInt32LE(offset, 12);
    offset += data.length;
    entries.push(entry);
  }
  return Buffer.concat([header, ...entries, ...images.map((i) => i.data)]);
}

mkdirSync(join(iconsDir, 'png'), { recursive: true });
writeFileSync(join(iconsDir, 'icon.png'), await png(1024));
for (const size of [16, 32, 48, 64, 128, 256, 512]) writeFileSync(join(iconsDir, 'png', `${size}x${size}.png`), await png(size));
const icoSizes = [16, 24, 32, 48, 64, 128, 256];
writeFileSync(join(iconsDir, 'icon.ico'), ico(await Promise.all(icoSizes.map(async (size) => ({ size, data: await png(size) })))));
console.log(`icons written to ${iconsDir}`);
