import { Injectable } from '@nestjs/common';
import { once } from 'node:events';
import type { Writable } from 'node:stream';
import PDFDocument from 'pdfkit';
import { frenchDate, parisToday } from '../../common/dates';
import { amountInFrenchWords } from '../../common/french-words';
import { pdfEuros } from '../../common/money';
import { fill, loadLayout } from '../../common/template';
import { AppConfig } from '../../config/app-config';
import type { Statement } from '../statement.entity';
import type { StatementLineRow } from '../statement.queries';

interface StatementLayout {
  page: { size: string; margin: number };
  title: string;
  /** Title of a correction statement (negative total: money owed back to the département). */
  correctionTitle: string;
  /** Texts of a correction statement that differ: no session period, the sum owed, recovery. */
  owedBack: { period: string; totalWords: string; boxes: string[] };
  header: string[];
  association: string[];
  period: string;
  columns: { label: string; width: number; align?: 'left' | 'right' }[];
  correction: string;
  total: string;
  totalWords: string;
  hash: string;
  boxes: string[];
}

const ROW = 14;

/**
 * Draws a statement: header, association and bank details, one row per line (streamed from the
 * database page by page, drawing waiting for the client), total in figures and words, content
 * hash, approval and payment boxes. Layout in templates/statement.layout.json.
 */
@Injectable()
export class StatementRenderer {
  private readonly layout = loadLayout<StatementLayout>('statement.layout.json');

  constructor(private readonly config: AppConfig) {}

  async write(
    statement: Statement,
    pages: AsyncIterable<StatementLineRow[]>,
    out: Writable,
  ): Promise<void> {
    const L = this.layout;
    const doc = new PDFDocument({
      size: L.page.size,
      margin: L.page.margin,
      compress: true,
      bufferPages: false,
      info: { Title: statement.number, Author: 'Pass numérique' },
    });
    doc.pipe(out);
    const owed = statement.totalCents < 0;
    const values = {
      number: statement.number,
      departement: this.config.get('PAYER_NAME'),
      issuedOn: frenchDate(parisToday(statement.issuedAt)),
      associationName: statement.associationName,
      siret: statement.associationSiret,
      address: statement.associationAddress,
      iban: statement.associationIban.replace(/(.{4})/g, '$1 ').trim(),
      bic: statement.associationBic ?? '—',
      periodFrom: statement.periodFrom ? frenchDate(statement.periodFrom) : '—',
      periodTo: statement.periodTo ? frenchDate(statement.periodTo) : '—',
      total: pdfEuros(statement.totalCents),
      totalWords: amountInFrenchWords(statement.totalCents),
      owedWords: amountInFrenchWords(-statement.totalCents),
      hash: statement.contentHash,
      lineCount: statement.lineCount,
    };
    const left = L.page.margin;
    const bottom = doc.page.height - L.page.margin;
    doc
      .font('Helvetica-Bold')
      .fontSize(16)
      .text(fill(owed ? L.correctionTitle : L.title, values));
    doc.font('Helvetica').fontSize(10);
    for (const h of L.header) doc.text(fill(h, values));
    doc.moveDown(0.5);
    for (const a of L.association) doc.text(fill(a, values));
    const period = owed && !statement.periodFrom ? L.owedBack.period : L.period;
    doc.moveDown(0.5).text(fill(period, values)).moveDown(0.5);

    const header = () => {
      let x = left;
      doc.font('Helvetica-Bold').fontSize(9);
      const y = doc.y;
      for (const c of L.columns) {
        doc.text(c.label, x, y, { width: c.width - 4, align: c.align ?? 'left', lineBreak: false });
        x += c.width;
      }
      doc
        .moveTo(left, y + ROW - 2)
        .lineTo(x, y + ROW - 2)
        .lineWidth(0.5)
        .stroke();
      doc.y = y + ROW;
      doc.font('Helvetica').fontSize(9);
    };
    header();
    for await (const rows of pages) {
      for (const l of rows) {
        if (doc.y + ROW > bottom) {
          doc.addPage();
          doc.y = L.page.margin;
          header();
        }
        const amount = Number(l.amount_cents);
        const cells = [
          String(l.line_no),
          frenchDate(l.session_date),
          l.booklet_number,
          String(l.cheque_position),
          l.corrects_statement_number
            ? fill(L.correction, { corrects: l.corrects_statement_number })
            : l.activity,
          pdfEuros(amount),
        ];
        let x = left;
        const y = doc.y;
        cells.forEach((cell, i) => {
          const c = L.columns[i];
          doc.text(cell, x, y, {
            width: c.width - 4,
            align: c.align ?? 'left',
            lineBreak: false,
            ellipsis: true,
          });
          x += c.width;
        });
        doc.y = y + ROW;
      }
      if ((out as Writable & { writableNeedDrain?: boolean }).writableNeedDrain)
        await once(out, 'drain');
    }
    if (doc.y + 140 > bottom) {
      doc.addPage();
      doc.y = L.page.margin;
    }
    doc.moveDown(1).font('Helvetica-Bold').fontSize(12).text(fill(L.total, values), left);
    doc
      .font('Helvetica')
      .fontSize(10)
      .text(fill(owed ? L.owedBack.totalWords : L.totalWords, values), left)
      .moveDown(0.5);
    doc.fontSize(8).text(fill(L.hash, values), left).moveDown(1);
    const boxWidth = (doc.page.width - 2 * L.page.margin - 20) / 2;
    const y = doc.y;
    (owed ? L.owedBack.boxes : L.boxes).forEach((label, i) => {
      const x = left + i * (boxWidth + 20);
      doc.rect(x, y, boxWidth, 60).lineWidth(0.5).stroke();
      doc.fontSize(8).text(label, x + 5, y + 5, { width: boxWidth - 10 });
    });
    doc.end();
    await once(out, 'finish');
  }
}
