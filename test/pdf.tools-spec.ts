import { execFileSync } from 'node:child_process';
import { mkdtempSync, readdirSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import request from 'supertest';
import { createTestApp, TestApp } from './support/app';
import { createProgramme, issueBooklet } from './support/factories';
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
    return pages.flatMap((page) => {
      try {
        return execFileSync(
          'zbarimg',
          ['-q', '--raw', '-Sdisable', '-Sqrcode.enable', join(dir, page)],
          { encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] },
        )
          .trim()
          .split('\n');
      } catch (err) {
        if ((err as { status?: number }).status === 4) return []; // no symbol on this page (the cover)
        throw err;
      }
    });
  }

  it('a booklet passes qpdf --check, and every QR decodes with zbarimg to its cheque URL', async () => {
    const p = await createProgramme(t);
    const b = await issueBooklet(t, p.id);
    const file = await download(`/api/booklets/${b.id}/pdf`, 'booklet.pdf');
    expect(execFileSync('qpdf', ['--check', file], { encoding: 'utf8' })).toContain(
      'No syntax or stream encoding errors',
    );
    const urls = decodeAll(file, 'booklet');
    expect(urls.sort()).toEqual(
      b.cheques.map((c) => `http://pass.test/c/${c.code.replace(/-/g, '')}`).sort(),
    );
    const text = execFileSync('pdftotext', [file, '-'], { encoding: 'utf8' });
    expect(text).toContain(b.number);
  });

  it('a print run passes qpdf --check, and its QR codes all decode', async () => {
    const p = await createProgramme(t);
    const batch = await request(t.http)
      .post('/api/booklets/batches')
      .set('Authorization', `Bearer ${await t.adminToken()}`)
      .send({ programmeId: p.id, count: 4, distributionSite: 'CCAS' })
      .expect(201);
    const file = await download(`/api/booklets/batches/${batch.body.id}/pdf`, 'batch.pdf');
    expect(execFileSync('qpdf', ['--check', file], { encoding: 'utf8' })).toContain(
      'No syntax or stream encoding errors',
    );
    const codes: { code: string }[] = await t.dataSource.query(
      `SELECT c.code FROM cheque c JOIN booklet b ON b.id = c.booklet_id WHERE b.batch_id = $1`,
      [batch.body.id],
    );
    expect(decodeAll(file, 'batch').sort()).toEqual(
      codes.map((c) => `http://pass.test/c/${c.code}`).sort(),
    );
  });
});
