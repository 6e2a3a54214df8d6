// Reads a PDF the way a printer and a phone camera would: each page rendered to PNG at the given
// resolution with mupdf, each QR code on it decoded with zxing-wasm (its .wasm read from
// node_modules), and the page text extracted. Prints JSON: { pages, texts: [...], codes: [[...]] }.
// Usage: node test/tools/pdf-inspect.mjs file.pdf [dpi] [degrade]
// With `degrade`, each page image is first spoiled the way an office printer low on toner and an
// old webcam spoil it (our own rendering, seeded so it is the same on every run): Gaussian blur
// σ = 1.2 px, noise σ = 12 grey levels, a 3° tilt, downscaled to 60 %, saved as JPEG quality 35.
// A plain Node ES module, run as a child process by the tests: both libraries are ES modules.
import { readFileSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import * as mupdf from 'mupdf';
import { prepareZXingModule, readBarcodes } from 'zxing-wasm/reader';

const require = createRequire(import.meta.url);
const [file, dpiArg, mode] = process.argv.slice(2);
const dpi = Number(dpiArg ?? 150);

await prepareZXingModule({
  overrides: { wasmBinary: readFileSync(require.resolve('zxing-wasm/reader/zxing_reader.wasm')) },
  fireImmediately: true,
});

const doc = mupdf.Document.openDocument(readFileSync(file), 'application/pdf');
const pages = doc.countPages();
const texts = [];
const codes = [];
for (let i = 0; i < pages; i++) {
  const page = doc.loadPage(i);
  texts.push(page.toStructuredText().asText());
  const scale = dpi / 72;
  const pixmap = page.toPixmap(
    mupdf.Matrix.scale(scale, scale),
    mupdf.ColorSpace.DeviceRGB,
    false,
    true,
  );
  const image = mode === 'degrade' ? degrade(pixmap) : pixmap.asPNG();
  if (process.env.PDF_INSPECT_DUMP)
    writeFileSync(`${process.env.PDF_INSPECT_DUMP}-${i}.jpg`, image);
  const results = await readBarcodes(image, {
    formats: ['QRCode'],
    maxNumberOfSymbols: 20,
    tryHarder: process.env.PDF_INSPECT_TRY_HARDER !== '0',
  });
  codes.push(
    results
      .filter((r) => r.isValid)
      .sort((a, b) => a.position.topLeft.y - b.position.topLeft.y)
      .map((r) => ({
        text: r.text,
        ecLevel: r.ecLevel,
        widthPx: Math.round(r.position.topRight.x - r.position.topLeft.x),
      })),
  );
}
process.stdout.write(JSON.stringify({ pages, texts, codes }));

/** Grey levels of an RGB pixmap. */
function grey(pixmap) {
  const w = pixmap.getWidth();
  const h = pixmap.getHeight();
  const n = pixmap.getNumberOfComponents() + (pixmap.getAlpha() ? 1 : 0);
  const stride = pixmap.getStride();
  const px = pixmap.getPixels();
  const out = new Float32Array(w * h);
  for (let y = 0; y < h; y++)
    for (let x = 0; x < w; x++) {
      const i = y * stride + x * n;
      out[y * w + x] = 0.299 * px[i] + 0.587 * px[i + 1] + 0.114 * px[i + 2];
    }
  return { w, h, v: out };
}

/** Separable Gaussian blur. */
function blur(img, sigma) {
  const r = Math.ceil(sigma * 3);
  const k = [];
  let sum = 0;
  for (let i = -r; i <= r; i++) sum += k[i + r] = Math.exp(-(i * i) / (2 * sigma * sigma));
  for (let i = 0; i < k.length; i++) k[i] /= sum;
  const { w, h } = img;
  const pass = (src, horizontal) => {
    const dst = new Float32Array(w * h);
    for (let y = 0; y < h; y++)
      for (let x = 0; x < w; x++) {
        let acc = 0;
        for (let i = -r; i <= r; i++) {
          const xx = horizontal ? Math.min(w - 1, Math.max(0, x + i)) : x;
          const yy = horizontal ? y : Math.min(h - 1, Math.max(0, y + i));
          acc += src[yy * w + xx] * k[i + r];
        }
        dst[y * w + x] = acc;
      }
    return dst;
  };
  return { w, h, v: pass(pass(img.v, true), false) };
}

/** A seeded generator (mulberry32) and Gaussian noise from it (Box–Muller). */
function noise(img, sigma, seed) {
  let a = seed >>> 0;
  const rand = () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
  const v = img.v.map((p) => {
    const g = Math.sqrt(-2 * Math.log(1 - rand())) * Math.cos(2 * Math.PI * rand());
    return p + g * sigma;
  });
  return { ...img, v };
}

/** Rotation by `degrees` about the centre and scaling by `scale`, bilinear, white outside. */
function rotateScale(img, degrees, scale) {
  const { w, h, v } = img;
  const W = Math.round(w * scale);
  const H = Math.round(h * scale);
  const out = new Float32Array(W * H);
  const c = Math.cos((degrees * Math.PI) / 180);
  const s = Math.sin((degrees * Math.PI) / 180);
  for (let Y = 0; Y < H; Y++)
    for (let X = 0; X < W; X++) {
      const dx = X / scale - w / 2;
      const dy = Y / scale - h / 2;
      const x = c * dx + s * dy + w / 2;
      const y = -s * dx + c * dy + h / 2;
      const x0 = Math.floor(x);
      const y0 = Math.floor(y);
      if (x0 < 0 || y0 < 0 || x0 >= w - 1 || y0 >= h - 1) {
        out[Y * W + X] = 255;
        continue;
      }
      const fx = x - x0;
      const fy = y - y0;
      const p = (xx, yy) => v[yy * w + xx];
      out[Y * W + X] =
        p(x0, y0) * (1 - fx) * (1 - fy) +
        p(x0 + 1, y0) * fx * (1 - fy) +
        p(x0, y0 + 1) * (1 - fx) * fy +
        p(x0 + 1, y0 + 1) * fx * fy;
    }
  return { w: W, h: H, v: out };
}

/** The page as a JPEG (quality 35) of its degraded image. */
function degrade(pixmap) {
  let img = grey(pixmap);
  img = blur(img, 1.2);
  img = noise(img, 12, 20261202);
  img = rotateScale(img, 3, 0.6);
  const out = new mupdf.Pixmap(mupdf.ColorSpace.DeviceRGB, [0, 0, img.w, img.h], false);
  const px = out.getPixels();
  const stride = out.getStride();
  for (let y = 0; y < img.h; y++)
    for (let x = 0; x < img.w; x++) {
      const g = Math.max(0, Math.min(255, Math.round(img.v[y * img.w + x])));
      const i = y * stride + x * 3;
      px[i] = px[i + 1] = px[i + 2] = g;
    }
  return out.asJPEG(35, false);
}
