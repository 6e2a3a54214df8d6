// Reads a PDF the way a printer and a phone camera would: each page rendered to PNG at the given
// resolution with mupdf, each QR code on it decoded with zxing-wasm (its .wasm read from
// node_modules), and the page text extracted. Prints JSON: { pages, texts: [...], codes: [[...]] }.
// Usage: node test/tools/pdf-inspect.mjs file.pdf [dpi]
// A plain Node ES module, run as a child process by the tests: both libraries are ES modules.
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import * as mupdf from 'mupdf';
import { prepareZXingModule, readBarcodes } from 'zxing-wasm/reader';

const require = createRequire(import.meta.url);
const [file, dpiArg] = process.argv.slice(2);
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
  const png = pixmap.asPNG();
  const results = await readBarcodes(png, {
    formats: ['QRCode'],
    maxNumberOfSymbols: 20,
    tryHarder: true,
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
