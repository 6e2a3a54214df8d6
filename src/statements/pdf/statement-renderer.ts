import { Injectable } from '@nestjs/common';
import { once } from 'node:events';
import { readFileSync } from 'node:fs';
import type { Writable } from 'node:stream';
import PDFDocument from 'pdfkit';
import { CSV_BOM, csvLine } from '../../common/csv';
import { frenchDate, parisToday } from '../../common/dates';
import { amountInFrenchWords } from '../../common/french-words';
import { pdfEuros } from '../../common/money';
import { fill, loadLayout } from '../../common/template';
import { AppConfig } from '../../config/app-config';
import { APPROVED_STATUSES, type Statement } from '../statement.entity';
import type { StatementLineRow } from '../statement.queries';
import { STATEMENT_CSV_HEADER, statementCsvClosing, statementCsvRow } from '../statement-csv';

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
  imputationTitle: string;
  imputation: string;
  imputationMissing: string;
  legalBasis: string;
  columns: { label: string; width: number; align?: 'left' | 'right' }[];
  correction: string;
  total: string;
  totalWords: string;
  hash: string;
  certification: string;
  certificationTitle: string;
  provisional: string;
  attachment: string;
  untaggedLines: string;
  boxes: string[];
}

const ROW = 14;

/**
 * Up to this many lines the table is tagged cell by cell (TH/TD). pdfkit keeps every structure
 * element until the end of the document, so a statement of 100,000 lines tagged that way takes
 * gigabytes: beyond it, the printed table is a decoration (artifact) and a tagged paragraph says
 * that its data is the embedded CSV, which assistive tools and software read instead.
 */
export const TAGGED_LINES_MAX = 5000;

/**
 * The fonts, embedded (PDF/A forbids relying on the reader's): DejaVu Sans, which has every
 * character of French and the euro sign. TrueType read once (a WOFF file is inflated again at
 * every document: ten times slower).
 */
const FONTS = {
  regular: readFileSync(require.resolve('dejavu-fonts-ttf/ttf/DejaVuSans.ttf')),
  bold: readFileSync(require.resolve('dejavu-fonts-ttf/ttf/DejaVuSans-Bold.ttf')),
};

type Struct = PDFKit.PDFStructureElement;

/**
 * Draws a statement as an archival supporting document (pièce justificative): PDF/A-3b, tagged
 * for accessibility (language, title, headings, a table with header cells, decorations as
 * artifacts), with the statement's CSV embedded as its data. Header, association and bank details
 * as of issue, budget imputation and legal basis, one row per line (streamed from the database
 * page by page, drawing waiting for the client), total in figures and words, content hash, the
 * ordonnateur's certification once approved. Nothing in it depends on the time it is drawn: the
 * same statement gives the same bytes. Layout in templates/statement.layout.json.
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
    const approved = (APPROVED_STATUSES as readonly string[]).includes(statement.status);
    const stamp = approved ? statement.approvedAt! : statement.issuedAt;
    const doc = new PDFDocument({
      size: L.page.size,
      margin: L.page.margin,
      compress: true,
      bufferPages: false,
      pdfVersion: '1.7',
      subset: 'PDF/A-3b',
      tagged: true,
      lang: 'fr-FR',
      displayTitle: true,
      info: {
        Title: `État de remboursement ${statement.number}`,
        Author: this.config.get('PAYER_NAME'),
        Subject: `Pass numérique — ${statement.associationName}`,
        Creator: 'Pass numérique',
        Producer: 'Pass numérique',
        CreationDate: stamp,
        ModDate: stamp,
      },
    });
    // Registered by name and only so: given also as the document's font, pdfkit 0.20 opens the
    // font again at every doc.font('regular') (its cache misses on the second name), ~7 ms each.
    doc.registerFont('regular', FONTS.regular);
    doc.registerFont('bold', FONTS.bold);
    doc.font('regular');
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
      approverName: statement.approverName ?? '',
      approverTitle: statement.approverTitle ? `, ${statement.approverTitle}` : '',
      approvedOn: statement.approvedAt ? frenchDate(parisToday(statement.approvedAt)) : '',
      fileName: `${statement.number}.csv`,
    };
    const left = L.page.margin;
    const bottom = doc.page.height - L.page.margin;
    // pdfkit takes a closure as an element's content, and `scope` for table headers (its types lag)
    const el = (type: string, content: () => void, options: { scope?: string } = {}) =>
      doc.struct(type, options as PDFKit.Mixins.StructureElementOptions, content);
    const root = doc.struct('Document');
    doc.addStructure(root);
    const para = (parent: Struct, text: string, font: 'regular' | 'bold', size: number) =>
      parent.add(
        el('P', () => {
          doc.font(font).fontSize(size).text(text, left, doc.y);
        }),
      );
    const artifact = (draw: () => void) => {
      doc.markContent('Artifact', { type: 'Layout' });
      draw();
      doc.endMarkedContent();
    };

    root.add(
      el('H1', () => {
        doc
          .font('bold')
          .fontSize(16)
          .text(fill(owed ? L.correctionTitle : L.title, values), left, doc.y);
      }),
    );
    if (!approved) para(root, L.provisional, 'bold', 10);
    for (const h of L.header) para(root, fill(h, values), 'regular', 10);
    doc.moveDown(0.5);
    for (const a of L.association) para(root, fill(a, values), 'regular', 10);
    const period = owed && !statement.periodFrom ? L.owedBack.period : L.period;
    doc.moveDown(0.5);
    para(root, fill(period, values), 'regular', 10);
    doc.moveDown(0.5);

    // budget imputation and legal basis, per programme, as of issue
    const imputations = doc.struct('Sect');
    root.add(imputations);
    imputations.add(
      el('H2', () => {
        doc.font('bold').fontSize(10).text(L.imputationTitle, left, doc.y);
      }),
    );
    for (const i of statement.imputations) {
      const codes = [
        i.chapter && `chapitre ${i.chapter}`,
        i.article && `article ${i.article}`,
        i.function && `fonction ${i.function}`,
        i.service && `service ${i.service}`,
      ].filter(Boolean);
      const v = {
        programme: i.programmeName,
        codes: codes.length ? codes.join(', ') : L.imputationMissing,
        amount: pdfEuros(i.amountCents),
      };
      para(imputations, fill(L.imputation, v), 'regular', 9);
      if (i.legalBasis)
        para(
          imputations,
          fill(L.legalBasis, {
            legalBasis: i.legalBasis,
            legalBasisDate: i.legalBasisDate ? ` du ${frenchDate(i.legalBasisDate)}` : '',
          }),
          'regular',
          9,
        );
    }
    imputations.end();
    doc.moveDown(0.5);

    const tagged = statement.lineCount <= TAGGED_LINES_MAX;
    if (!tagged) para(root, fill(L.untaggedLines, values), 'regular', 9);
    // (an element made and never ended would keep the document from ever finishing)
    const table = tagged ? doc.struct('Table') : null;
    if (table) root.add(table);
    const csv: string[] = [CSV_BOM + csvLine(STATEMENT_CSV_HEADER)];
    const cellOptions = (i: number) => ({
      width: L.columns[i].width - 4,
      align: L.columns[i].align ?? 'left',
      lineBreak: false,
      ellipsis: true,
    });
    const row = (cells: string[], kind: 'TH' | 'TD', font: 'regular' | 'bold') => {
      if (!tagged) {
        const y = doc.y;
        let x = left;
        artifact(() =>
          cells.forEach((cell, i) => {
            doc.font(font).fontSize(9).text(cell, x, y, cellOptions(i));
            x += L.columns[i].width;
          }),
        );
        doc.y = y + ROW;
        return x;
      }
      const tr = doc.struct('TR');
      table!.add(tr);
      let x = left;
      const y = doc.y;
      cells.forEach((cell, i) => {
        const cx = x;
        tr.add(
          el(
            kind,
            () => {
              doc.font(font).fontSize(9).text(cell, cx, y, cellOptions(i));
            },
            kind === 'TH' ? { scope: 'Column' } : {},
          ),
        );
        x += L.columns[i].width;
      });
      tr.end();
      doc.y = y + ROW;
      return x;
    };
    // the header row: structure on the first page, a repeated decoration (artifact) on the next
    let firstHeader = true;
    const header = () => {
      const y = doc.y;
      let x = left;
      if (firstHeader)
        x = row(
          L.columns.map((c) => c.label),
          'TH',
          'bold',
        );
      else
        artifact(() => {
          for (const c of L.columns) {
            doc
              .font('bold')
              .fontSize(9)
              .text(c.label, x, y, cellOptions(L.columns.indexOf(c)));
            x += c.width;
          }
          doc.y = y + ROW;
        });
      firstHeader = false;
      artifact(() =>
        doc
          .moveTo(left, y + ROW - 2)
          .lineTo(x, y + ROW - 2)
          .lineWidth(0.5)
          .stroke(),
      );
    };
    header();
    for await (const rows of pages) {
      for (const l of rows) {
        if (doc.y + ROW > bottom) {
          doc.addPage();
          doc.y = L.page.margin;
          header();
        }
        row(
          [
            String(l.line_no),
            frenchDate(l.session_date),
            l.booklet_number,
            String(l.cheque_position),
            l.corrects_statement_number
              ? fill(L.correction, { corrects: l.corrects_statement_number })
              : l.activity,
            pdfEuros(Number(l.amount_cents)),
          ],
          'TD',
          'regular',
        );
        csv.push(csvLine(statementCsvRow(statement, l)));
      }
      if ((out as Writable & { writableNeedDrain?: boolean }).writableNeedDrain)
        await once(out, 'drain');
    }
    table?.end();
    csv.push(...statementCsvClosing(statement).map((values) => csvLine(values)));

    if (doc.y + 190 > bottom) {
      doc.addPage();
      doc.y = L.page.margin;
    }
    doc.moveDown(1);
    para(root, fill(L.total, values), 'bold', 12);
    para(root, fill(owed ? L.owedBack.totalWords : L.totalWords, values), 'regular', 10);
    doc.moveDown(0.5);
    para(root, fill(L.hash, values), 'regular', 8);
    para(root, fill(L.attachment, values), 'regular', 8);
    doc.moveDown(1);
    if (approved) {
      const certification = doc.struct('Sect');
      root.add(certification);
      certification.add(
        el('H2', () => {
          doc.font('bold').fontSize(10).text(L.certificationTitle, left, doc.y);
        }),
      );
      para(certification, fill(L.certification, values), 'regular', 10);
      certification.end();
      doc.moveDown(1);
    }
    // the accountant's box: filled by hand or in the finance software, never by this service
    const boxes = owed ? L.owedBack.boxes : L.boxes;
    const boxWidth = (doc.page.width - 2 * L.page.margin - 20) / 2;
    const y = doc.y;
    boxes.forEach((label, i) => {
      const x = left + i * (boxWidth + 20);
      artifact(() => doc.rect(x, y, boxWidth, 60).lineWidth(0.5).stroke());
      root.add(
        el('P', () => {
          doc
            .font('regular')
            .fontSize(8)
            .text(label, x + 5, y + 5, { width: boxWidth - 10 });
        }),
      );
    });
    root.end();

    // the statement's data, embedded (PDF/A-3 associated file): what the PDF shows, as CSV
    // AFRelationship (PDF/A-3), which pdfkit takes as `relationship` (its types lag)
    const attachment: PDFKit.Mixins.PDFAttachmentOptions & { relationship: string } = {
      name: values.fileName,
      type: 'text/csv',
      description: `Lignes de l'état ${statement.number} (CSV)`,
      relationship: 'Data',
      creationDate: stamp,
      modifiedDate: stamp,
    };
    doc.file(Buffer.from(csv.join(''), 'utf8'), attachment);
    doc.end();
    await once(out, 'finish');
  }
}
