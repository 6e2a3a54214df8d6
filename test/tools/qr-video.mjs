// Makes a fake camera video of one cheque: the first QR code found on the given page of a PDF
// (rendered with mupdf, located with zxing-wasm) is cut out with a white margin, centred in a
// 640×480 frame and written as a YUV4MPEG2 file (the format Chromium's
// --use-file-for-fake-video-capture reads). Prints the QR's text.
// Usage: node test/tools/qr-video.mjs file.pdf pageIndex out.y4m
import { readFileSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import * as mupdf from 'mupdf';
import { prepareZXingModule, readBarcodes } from 'zxing-wasm/reader';

const require = createRequire(import.meta.url);
const [file, pageArg, out] = process.argv.slice(2);
await prepareZXingModule({
  overrides: { wasmBinary: readFileSync(require.resolve('zxing-wasm/reader/zxing_reader.wasm')) },
  fireImmediately: true,
});

const doc = mupdf.Document.openDocument(readFileSync(file), 'application/pdf');
const page = doc.loadPage(Number(pageArg));
const scale = 150 / 72;
const pixmap = page.toPixmap(
  mupdf.Matrix.scale(scale, scale),
  mupdf.ColorSpace.DeviceRGB,
  false,
  true,
);
const [qr] = (await readBarcodes(pixmap.asPNG(), { formats: ['QRCode'], tryHarder: true }))
  .filter((r) => r.isValid)
  .sort((a, b) => a.position.topLeft.y - b.position.topLeft.y);
if (!qr) throw new Error('no QR code on that page');

const W = 640;
const H = 480;
const pw = pixmap.getWidth();
const ph = pixmap.getHeight();
const rgb = pixmap.getPixels(); // RGB, 3 bytes a pixel, no alpha
const xs = [
  qr.position.topLeft.x,
  qr.position.topRight.x,
  qr.position.bottomLeft.x,
  qr.position.bottomRight.x,
];
const ys = [
  qr.position.topLeft.y,
  qr.position.topRight.y,
  qr.position.bottomLeft.y,
  qr.position.bottomRight.y,
];
const size = Math.max(...xs) - Math.min(...xs);
const margin = size * 0.25;
const x0 = Math.min(...xs) - margin;
const y0 = Math.min(...ys) - margin;
const side = size + 2 * margin;
const target = 400; // the QR and its margin fill 400×400 px of the frame
const left = (W - target) / 2;
const top = (H - target) / 2;

const Y = Buffer.alloc(W * H, 235);
const U = Buffer.alloc((W / 2) * (H / 2), 128);
const V = Buffer.alloc((W / 2) * (H / 2), 128);
for (let y = 0; y < H; y++) {
  for (let x = 0; x < W; x++) {
    const u = (x - left) / target;
    const v = (y - top) / target;
    let luma = 235;
    if (u >= 0 && u < 1 && v >= 0 && v < 1) {
      const sx = Math.min(pw - 1, Math.max(0, Math.round(x0 + u * side)));
      const sy = Math.min(ph - 1, Math.max(0, Math.round(y0 + v * side)));
      const i = (sy * pw + sx) * 3;
      const l = 0.299 * rgb[i] + 0.587 * rgb[i + 1] + 0.114 * rgb[i + 2];
      luma = Math.round(16 + (l * 219) / 255);
    }
    Y[y * W + x] = luma;
  }
}
const frame = Buffer.concat([Buffer.from('FRAME\n'), Y, U, V]);
const header = Buffer.from(`YUV4MPEG2 W${W} H${H} F10:1 Ip A1:1 C420jpeg\n`);
writeFileSync(out, Buffer.concat([header, ...Array.from({ length: 10 }, () => frame)]));
process.stdout.write(JSON.stringify({ text: qr.text }));
