import { execFile } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import type { Response } from 'superagent';

export interface PdfInspection {
  pages: number;
  texts: string[];
  codes: { text: string; ecLevel: string; widthPx: number }[][];
}

/**
 * Renders every page (mupdf) and decodes every QR code (zxing-wasm), in a child Node process;
 * `degrade`: after blurring, noising, tilting, downscaling and JPEG-compressing each page image
 * (see test/tools/pdf-inspect.mjs).
 */
export async function inspectPdf(pdf: Buffer, dpi = 150, degrade = false): Promise<PdfInspection> {
  const file = join(mkdtempSync(join(tmpdir(), 'pn-pdf-')), 'doc.pdf');
  writeFileSync(file, pdf);
  const { stdout } = await promisify(execFile)(
    process.execPath,
    [
      join(__dirname, '..', 'tools', 'pdf-inspect.mjs'),
      file,
      String(dpi),
      ...(degrade ? ['degrade'] : []),
    ],
    {
      maxBuffer: 64 * 1024 * 1024,
    },
  );
  return JSON.parse(stdout) as PdfInspection;
}

/** supertest parser collecting a binary body. */
export function binary(res: Response, cb: (err: Error | null, body: unknown) => void): void {
  const stream = res as unknown as NodeJS.ReadableStream;
  const chunks: Buffer[] = [];
  stream.on('data', (c: Buffer) => chunks.push(c));
  stream.on('end', () => cb(null, Buffer.concat(chunks)));
  stream.on('error', (e: Error) => cb(e, Buffer.alloc(0)));
}
