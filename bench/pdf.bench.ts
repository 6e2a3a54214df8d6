/**
 * npm run bench:pdf — booklet PDF generation.
 *  1. ms per booklet: our renderer against a bare pdfkit + qrcode loop drawing the same pages, same run.
 *  2. bytes per booklet.
 *  3. a 10,000-booklet print run through HTTP from the compiled service: time to first byte, total
 *     time, peak RSS of the service process.
 * Prints a JSON result line (collected by bench/run-all.ts).
 */
import PDFDocument from 'pdfkit';
import { create as createQr } from 'qrcode';
import { Writable } from 'node:stream';
import { generateChequeCode } from '../src/booklets/codes/cheque-code';
import { generateCoverToken } from '../src/booklets/codes/cover-token';
import { loadBookletLayout } from '../src/booklets/pdf/booklet-layout';
import { BookletRenderer, PrintableBooklet } from '../src/booklets/pdf/booklet-renderer';
import { api, benchDatabase, benchEnv, benchWorld, median, startCompiledService } from './support';

const BASE = 'https://pass-numerique.departement.fr';
const SAMPLE = 200;

function sampleBooklet(i: number): PrintableBooklet {
  return {
    number: `31-2026-${String(i).padStart(6, '0')}`,
    reference: null,
    coverToken: generateCoverToken(),
    contact: 'Département de la Haute-Garonne — 05 34 33 32 31',
    nearby: [],
    programme: {
      name: 'Pass numérique 2026',
      departementCode: '31',
      departementName: 'Haute-Garonne',
      validFrom: '2026-01-01',
      expiresOn: '2026-12-31',
    },
    faceValueCents: 1000,
    cheques: Array.from({ length: 10 }, (_, p) => ({
      position: p + 1,
      code: generateChequeCode(),
    })),
  };
}

class CountingSink extends Writable {
  bytes = 0;
  override _write(chunk: Buffer, _e: BufferEncoding, cb: () => void): void {
    this.bytes += chunk.length;
    cb();
  }
}

async function finish(doc: PDFKit.PDFDocument): Promise<number> {
  const sink = new CountingSink();
  const done = new Promise<void>((r) => sink.on('finish', () => r()));
  doc.pipe(sink);
  doc.end();
  await done;
  return sink.bytes;
}

/** The floor: the same pages drawn with pdfkit and qrcode directly, no layout, no templates. */
function bareBooklet(doc: PDFKit.PDFDocument, b: PrintableBooklet): void {
  doc.addPage({ size: 'A4', margin: 0 });
  doc.font('Helvetica-Bold').fontSize(28).text('Pass numérique', 57, 57);
  doc
    .font('Helvetica')
    .fontSize(12)
    .text(`Carnet n° ${b.number}`)
    .text('Département 31 — Haute-Garonne');
  for (let i = 0; i < 4; i++)
    doc
      .fontSize(11)
      .text(
        'Vos chèques paient tout ou partie d’un atelier numérique dans une structure habilitée. '.repeat(
          3,
        ),
      );
  for (let i = 0; i < b.cheques.length; i++) {
    if (i % 5 === 0) doc.addPage({ size: 'A4', margin: 0 });
    const y = 28 + (i % 5) * 157;
    doc
      .font('Helvetica-Bold')
      .fontSize(26)
      .text('10,00 €', 45, y + 17);
    doc
      .font('Helvetica')
      .fontSize(10)
      .text(`Carnet ${b.number} — chèque ${i + 1}/10`, 45, y + 62)
      .text('Valable jusqu’au 31/12/2026', 45, y + 75);
    doc
      .font('Courier-Bold')
      .fontSize(16)
      .text(b.cheques[i].code, 45, y + 100);
    const qr = createQr(`${BASE}/c/${b.cheques[i].code}`, { errorCorrectionLevel: 'M' });
    const n = qr.modules.size;
    const m = 68 / n;
    for (let r = 0; r < n; r++)
      for (let c = 0; c < n; c++)
        if (qr.modules.data[r * n + c]) doc.rect(470 + c * m, y + 45 + r * m, m, m);
    doc.fill('black');
  }
}

async function timeIt(fn: () => Promise<void>): Promise<number> {
  const start = process.hrtime.bigint();
  await fn();
  return Number(process.hrtime.bigint() - start) / 1e6;
}

async function main(): Promise<void> {
  const renderer = new BookletRenderer(loadBookletLayout(), BASE);
  const booklets = Array.from({ length: SAMPLE }, (_, i) => sampleBooklet(i));

  const ours: number[] = [];
  const bare: number[] = [];
  const sizes: number[] = [];
  for (let round = 0; round < 5; round++) {
    ours.push(
      (await timeIt(async () => {
        const doc = renderer.createDocument('bench', { tagged: false });
        for (const b of booklets) renderer.addBooklet(doc, b);
        await finish(doc);
      })) / SAMPLE,
    );
    bare.push(
      (await timeIt(async () => {
        const doc = new PDFDocument({ autoFirstPage: false, compress: true });
        for (const b of booklets) bareBooklet(doc, b);
        await finish(doc);
      })) / SAMPLE,
    );
  }
  for (const b of booklets.slice(0, 20)) {
    const doc = renderer.createDocument('one', { tagged: true });
    renderer.addBooklet(doc, b);
    sizes.push(await finish(doc));
  }

  // The 10,000-booklet print run, through HTTP, from the compiled service.
  const db = await benchDatabase();
  const service = await startCompiledService(benchEnv(db.url, { PUBLIC_BASE_URL: BASE }));
  let run: Record<string, number>;
  try {
    const { admin: accessToken, programmeId } = await benchWorld(service.url, 0);
    const rssBefore = service.peakRssMiB();
    let batchId = '';
    const issueMs = await timeIt(async () => {
      batchId = (
        await api<{ id: string }>(service.url, '/api/booklets/batches', accessToken, {
          programmeId,
          count: 10_000,
          distributionSite: 'Bench',
        })
      ).id;
    });
    const rssAfterIssue = service.peakRssMiB();
    service.resetPeak();
    const start = process.hrtime.bigint();
    const res = await fetch(`${service.url}/api/booklets/batches/${batchId}/pdf`, {
      headers: { authorization: `Bearer ${accessToken}` },
    });
    const reader = res.body!.getReader();
    let ttfb = 0;
    let bytes = 0;
    for (;;) {
      const { done, value } = await reader.read();
      if (done) break;
      if (!ttfb) ttfb = Number(process.hrtime.bigint() - start) / 1e6;
      bytes += value.length;
    }
    const totalMs = Number(process.hrtime.bigint() - start) / 1e6;
    run = {
      issueMs: Math.round(issueMs),
      ttfbMs: Math.round(ttfb),
      streamMs: Math.round(totalMs),
      bytes,
      peakRssBeforeIssueMiB: Math.round(rssBefore),
      peakRssIssueMiB: Math.round(rssAfterIssue),
      peakRssStreamMiB: Math.round(service.peakRssMiB()),
    };
  } finally {
    await service.stop();
    await db.stop();
  }

  const result = {
    bench: 'pdf',
    msPerBooklet: +median(ours).toFixed(2),
    floorMsPerBooklet: +median(bare).toFixed(2),
    ratio: +(median(ours) / median(bare)).toFixed(2),
    bytesPerBooklet: Math.round(sizes.reduce((a, b) => a + b, 0) / sizes.length),
    printRun10k: run,
  };
  console.log(JSON.stringify(result));
}

main().catch((err) => {
  console.error(err);
  process.exit(1);
});
