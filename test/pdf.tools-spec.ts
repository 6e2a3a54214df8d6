import { execFileSync } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import request from 'supertest';
import { createTestApp, TestApp } from './support/app';
import { createProgramme, issueBooklet, issuedStatement, printRun } from './support/factories';
import { binary } from './support/pdf';

/**
 * The booklet PDFs checked by the tools a printer's workflow would use: qpdf's structural check,
 * poppler's rendering at 150 dpi and zbar's QR decoding. The tools must be installed (.ci/run
 * installs them); a missing tool fails these tests.
 */
describe('Booklet PDFs under Debian tools', () => {
  let t: TestApp;
  let dir: string;
  beforeAll(async () => {
    t = await createTestApp();
    dir = mkdtempSync(join(tmpdir(), 'pn-pdftools-'));
  });
  afterAll(() => t.close());

  async function download(path: string, name: string): Promise<string> {
    const res = await request(t.http)
      .get(path)
      .set('Authorization', `Bearer ${await t.adminToken()}`)
      .buffer(true)
      .parse(binary)
      .expect(200);
    const file = join(dir, name);
    writeFileSync(file, res.body as Buffer);
    return file;
  }

  function decodeAll(pdf: string, prefix: string): string[] {
    execFileSync('pdftoppm', ['-r', '150', '-png', pdf, join(dir, prefix)]);
    const pages = readdirSync(dir)
      .filter((f) => f.startsWith(prefix) && f.endsWith('.png'))
      .sort();
    return pages.flatMap((page) => zbar(join(dir, page)));
  }

  /** The QR codes zbarimg reads on one image. */
  function zbar(image: string): string[] {
    try {
      return execFileSync('zbarimg', ['-q', '--raw', '-Sdisable', '-Sqrcode.enable', image], {
        encoding: 'utf8',
        stdio: ['ignore', 'pipe', 'ignore'],
      })
        .trim()
        .split('\n');
    } catch (err) {
      if ((err as { status?: number }).status === 4) return []; // no symbol on this image
      throw err;
    }
  }

  it('a booklet passes qpdf --check, and every QR decodes with zbarimg to its cheque URL', async () => {
    const p = await createProgramme(t);
    const b = await issueBooklet(t, p.id);
    const file = await download(`/api/booklets/${b.id}/pdf`, 'booklet.pdf');
    expect(execFileSync('qpdf', ['--check', file], { encoding: 'utf8' })).toContain(
      'No syntax or stream encoding errors',
    );
    const urls = decodeAll(file, 'booklet');
    const expected = [
      b.coverUrl.toUpperCase(),
      ...b.cheques.map((c) => `HTTP://PASS.TEST/C/${c.code.replace(/-/g, '')}`),
    ].sort();
    expect(urls.sort()).toEqual(expected);
    const text = execFileSync('pdftotext', [file, '-'], { encoding: 'utf8' });
    expect(text).toContain(b.number);

    // tagged for a screen reader: language, title shown, headings, each cheque a section and its
    // QR code a figure with a text, read in order (the cover first, then the cheques one by one)
    const raw = readFileSync(file, 'latin1');
    expect(raw).toContain('/Lang (fr-FR)');
    expect(raw).toMatch(/\/DisplayDocTitle true/);
    const info = execFileSync('pdfinfo', [file], { encoding: 'utf8' });
    expect(info).toMatch(/^Tagged:\s+yes$/m);
    expect(info).toContain(`Title:           Carnet ${b.number}`);
    const structure = execFileSync('pdfinfo', ['-struct-text', file], { encoding: 'utf8' });
    for (const type of ['Document', 'H1', 'H2', 'P', 'Sect', 'Figure'])
      expect(structure).toContain(type);
    expect(structure.match(/\bSect\b/g)).toHaveLength(b.cheques.length);
    expect(structure.match(/\bFigure\b/g)).toHaveLength(b.cheques.length + 1);
    expect(structure).toContain('Un chèque ne peut servir qu');
    const title = structure.indexOf('Pass numérique');
    const codes = b.cheques.map((c) => structure.indexOf(c.code));
    expect(title).toBeGreaterThan(0);
    expect(codes.every((at) => at > title)).toBe(true);
    expect([...codes].sort((x, y) => x - y)).toEqual(codes);

    // Printed low on toner, read by an old webcam: each page blurred (σ 1.2 px at 150 dpi),
    // noised, tilted 3°, downscaled to 60 % and saved as JPEG quality 35 (test/tools/pdf-inspect.mjs);
    // zbar, a simpler decoder than zxing, still reads every QR code.
    execFileSync(
      process.execPath,
      [join(__dirname, 'tools', 'pdf-inspect.mjs'), file, '150', 'degrade'],
      {
        env: { ...process.env, PDF_INSPECT_DUMP: join(dir, 'worn') },
        stdio: 'ignore',
      },
    );
    const worn = readdirSync(dir)
      .filter((f) => f.startsWith('worn-') && f.endsWith('.jpg'))
      .flatMap((page) => zbar(join(dir, page)));
    expect(worn.sort()).toEqual(expected);
  });

  it('a print run passes qpdf --check, and its QR codes all decode', async () => {
    const p = await createProgramme(t);
    const batch = { body: await printRun(t, p.id, 4) };
    const file = await download(`/api/booklets/batches/${batch.body.id}/pdf`, 'batch.pdf');
    expect(execFileSync('qpdf', ['--check', file], { encoding: 'utf8' })).toContain(
      'No syntax or stream encoding errors',
    );
    const codes: { code: string }[] = await t.dataSource.query(
      `SELECT c.code FROM cheque c JOIN booklet b ON b.id = c.booklet_id WHERE b.batch_id = $1`,
      [batch.body.id],
    );
    const covers: { cover_token: string }[] = await t.dataSource.query(
      `SELECT cover_token FROM booklet WHERE batch_id = $1`,
      [batch.body.id],
    );
    expect(decodeAll(file, 'batch').sort()).toEqual(
      [
        ...codes.map((c) => `HTTP://PASS.TEST/C/${c.code}`),
        ...covers.map((c) => `HTTP://PASS.TEST/CARNET/${c.cover_token}`),
      ].sort(),
    );
  });
});

/**
 * A statement's PDF as the accountant's supporting document: PDF/A-3b, tagged, fonts embedded,
 * its CSV attached, checked with qpdf and poppler.
 */
describe('Statement PDFs under Debian tools', () => {
  let t: TestApp;
  let dir: string;
  beforeAll(async () => {
    t = await createTestApp({ env: { PAYER_NAME: 'Département de la Haute-Garonne' } });
    dir = mkdtempSync(join(tmpdir(), 'pn-pdftools-st-'));
  });
  afterAll(() => t.close());

  const run = (cmd: string, args: string[]) => execFileSync(cmd, args, { encoding: 'utf8' });

  it('an approved statement is PDF/A-3b, tagged, with embedded fonts and its CSV attached, and passes qpdf --check', async () => {
    const admin = await t.adminToken();
    const admin2 = (
      await t.userToken('ADMIN', {
        displayName: 'Claire Martin',
        jobTitle: 'Directrice des finances',
      })
    ).token;
    const p = await createProgramme(t);
    const s = await issuedStatement(t, p.id, admin, { count: 3 });
    await request(t.http)
      .post(`/api/statements/${s.id}/approve`)
      .set('Authorization', `Bearer ${admin2}`)
      .expect(200);
    const get = async (path: string) =>
      (
        await request(t.http)
          .get(path)
          .set('Authorization', `Bearer ${admin}`)
          .buffer(true)
          .parse(binary)
          .expect(200)
      ).body as Buffer;
    const pdf = await get(`/api/statements/${s.id}/pdf`);
    const file = join(dir, `${s.number}.pdf`);
    writeFileSync(file, pdf);

    expect(run('qpdf', ['--check', file])).toContain('No syntax or stream encoding errors');
    const info = run('pdfinfo', [file]);
    expect(info).toMatch(/^Tagged:\s+yes$/m);
    expect(info).toMatch(/^PDF version:\s+1\.7$/m);
    expect(info).toContain(`Title:           État de remboursement ${s.number}`);
    const meta = run('pdfinfo', ['-meta', file]);
    expect(meta).toContain('<pdfaid:part>3</pdfaid:part>');
    expect(meta).toContain('<pdfaid:conformance>B</pdfaid:conformance>');
    // every font embedded (PDF/A): the table's rows name each font with "yes" under emb
    const fonts = run('pdffonts', [file]).trim().split('\n').slice(2);
    expect(fonts.length).toBeGreaterThan(0);
    for (const f of fonts) expect(f).toMatch(/DejaVu.*\byes\s+yes\s+(yes|no)\s+\d+\s+\d+$/);
    // the structure tree: a table with header cells and rows
    const structure = run('pdfinfo', ['-struct', file]);
    expect(structure).toContain('Table');
    expect(structure).toContain('TH');
    expect(structure).toContain('H1');
    // the statement's CSV is attached, the same rows as its download
    expect(run('pdfdetach', ['-list', file])).toContain(`${s.number}.csv`);
    run('pdfdetach', ['-saveall', '-o', dir, file]);
    const csv = await get(`/api/statements/${s.id}/csv`);
    expect(readFileSync(join(dir, `${s.number}.csv`))).toEqual(csv);
    // what the payeur checks is printed
    const text = run('pdftotext', [file, '-']);
    expect(text).toContain('Certifié exact');
    expect(text).toContain('Claire Martin');
    expect(text).toContain('chapitre 65, article 6574, fonction 58');
    expect(text).toContain('Délibération n° CP-2026-041');
    expect(text).toContain(s.contentHash);
  });
});
