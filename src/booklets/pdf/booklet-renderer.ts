import PDFDocument from 'pdfkit';
import { create as createQr, type QRCodeSegment } from 'qrcode';
import { frenchDate } from '../../common/dates';
import { pdfEuros } from '../../common/money';
import { formatChequeCode } from '../codes/cheque-code';
import { fill } from '../../common/template';
import { BookletLayout } from './booklet-layout';

const MM = 72 / 25.4;
/** Modules of white around a QR symbol, as the standard requires. */
const QUIET_ZONE_MODULES = 4;

/** An accredited association as a letter or a cover lists it. */
export interface NearbyAssociation {
  name: string;
  address: string;
  postalCode: string;
  city: string;
  phone: string | null;
  activities: string[];
}

export interface PrintableBooklet {
  number: string;
  reference: string | null;
  coverToken: string;
  /** Whom to call: the département's contact (settings). */
  contact: string;
  /** For a pre-addressed booklet: the associations nearest the beneficiary. */
  nearby: NearbyAssociation[];
  programme: {
    name: string;
    departementCode: string;
    departementName: string;
    validFrom: string;
    expiresOn: string;
  };
  faceValueCents: number;
  cheques: { position: number; code: string }[];
}

/** The characters of the QR alphanumeric mode (5.5 bits a character instead of 8). */
const QR_ALPHANUMERIC = /^[0-9A-Z $%*+\-./:]*$/;

/**
 * A URL in upper case fits the QR alphanumeric mode: fewer modules for the same text, so larger
 * modules at the same size, which is what survives blur, toner and old cameras. Scheme and host are
 * case-insensitive; the routes `/c/` and `/carnet/` are too, and codes and tokens are upper case. A
 * base URL with other characters (a query, an underscore…) is kept as it is, in byte mode.
 */
export function qrSegments(url: string): QRCodeSegment[] {
  const upper = url.toUpperCase();
  return QR_ALPHANUMERIC.test(upper)
    ? [{ data: upper, mode: 'alphanumeric' }]
    : [{ data: Buffer.from(url, 'utf8'), mode: 'byte' }];
}

export function chequeUrl(baseUrl: string, code: string): string {
  return `${baseUrl}/c/${code}`;
}

/** The booklet's own page, printed as the cover's QR code. */
export function coverUrl(baseUrl: string, token: string): string {
  return `${baseUrl}/carnet/${token}`;
}

/** The structure root of each tagged document. */
const STRUCTURE = new WeakMap<PDFKit.PDFDocument, PDFKit.PDFStructureElement>();

/**
 * Draws booklets on A4 pages: a cover, then the cheques, `perPage` a page with cut marks, each with
 * its value, expiry, printed code and a vector QR code of its check URL.
 */
export class BookletRenderer {
  constructor(
    private readonly layout: BookletLayout,
    private readonly baseUrl: string,
  ) {}

  /**
   * A document in French with its title shown by readers. `tagged`: with its structure (headings,
   * paragraphs, each cheque a section, the QR codes as figures with a text, cut marks as
   * artifacts), read in order by a screen reader — the booklet a person receives. A print run
   * (thousands of booklets, for the printer) is not tagged: its structure tree would be held in
   * memory to the end.
   */
  createDocument(title: string, options: { tagged: boolean }): PDFKit.PDFDocument {
    const doc = new PDFDocument({
      size: this.layout.page.size,
      margin: 0,
      autoFirstPage: false,
      compress: true,
      lang: 'fr-FR',
      displayTitle: true,
      tagged: options.tagged,
      info: { Title: title, Author: 'Pass numérique', Creator: 'Pass numérique' },
    });
    if (options.tagged) {
      const root = doc.struct('Document');
      doc.addStructure(root);
      STRUCTURE.set(doc, root);
    }
    return doc;
  }

  /** `draw` as one element of the document's structure (when it has one). */
  private tag(
    doc: PDFKit.PDFDocument,
    type: string,
    draw: () => void,
    options: { alt?: string } = {},
  ): void {
    const root = STRUCTURE.get(doc);
    if (!root) return draw();
    const element = doc.struct(type, options, draw);
    root.add(element);
    element.end();
  }

  /** `draw` outside the reading order (decoration), when the document has a structure. */
  private artifact(doc: PDFKit.PDFDocument, draw: () => void): void {
    if (!STRUCTURE.has(doc)) return draw();
    doc.markContent('Artifact');
    draw();
    doc.endMarkedContent();
  }

  addBooklet(doc: PDFKit.PDFDocument, booklet: PrintableBooklet): void {
    const values = {
      programme: booklet.programme.name,
      departementCode: booklet.programme.departementCode,
      departementName: booklet.programme.departementName,
      number: booklet.number,
      validFrom: frenchDate(booklet.programme.validFrom),
      expiresOn: frenchDate(booklet.programme.expiresOn),
      chequeCount: booklet.cheques.length,
      faceValue: pdfEuros(booklet.faceValueCents),
      directoryUrl: `${this.baseUrl}/structures`,
      reference: booklet.reference ?? '',
      contact: booklet.contact,
    };
    this.drawCover(doc, values, booklet);
    const perPage = this.layout.cheque.perPage;
    for (let i = 0; i < booklet.cheques.length; i++) {
      if (i % perPage === 0) doc.addPage();
      this.drawCheque(doc, i % perPage, booklet.cheques[i], {
        ...values,
        position: booklet.cheques[i].position,
      });
    }
  }

  private drawCover(
    doc: PDFKit.PDFDocument,
    values: Record<string, string | number>,
    booklet: PrintableBooklet,
  ): void {
    const { cover, fonts, page } = this.layout;
    doc.addPage();
    const margin = page.marginMm * MM * 2;
    const width = doc.page.width - 2 * margin;
    // the cover's own QR, top right: the booklet's page (cheques left, where to go)
    const qrSize = cover.qrSizeMm * MM;
    const qrX = doc.page.width - margin - qrSize;
    const left = width - qrSize - 8 * MM;
    doc.y = margin;
    this.tag(doc, 'H1', () =>
      doc.font(fonts.bold).fontSize(28).text(cover.title, margin, margin, { width: left }),
    );
    this.tag(doc, 'P', () => {
      doc.font(fonts.regular).fontSize(16).text(fill(cover.subtitle, values), { width: left });
      doc.moveDown(1);
      for (const line of cover.lines) doc.fontSize(12).text(fill(line, values), { width: left });
      if (booklet.reference !== null) doc.text(fill(cover.referenceLine, values), { width: left });
    });
    // the cover's own QR, top right: the booklet's page (cheques left, where to go)
    const bottom = doc.y;
    this.tag(
      doc,
      'Figure',
      () => {
        this.drawQr(doc, coverUrl(this.baseUrl, booklet.coverToken), qrX, margin, qrSize);
        doc
          .font(fonts.regular)
          .fontSize(9)
          .text(cover.qrCaption, qrX - 10 * MM, margin + qrSize + 3 * MM, {
            width: qrSize + 10 * MM,
            align: 'center',
          });
      },
      { alt: `QR code : ${cover.qrCaption}` },
    );
    doc.y = Math.max(bottom, margin + qrSize + 16 * MM);
    const heading = (text: string, size = 14) =>
      this.tag(doc, 'H2', () =>
        doc.font(fonts.bold).fontSize(size).text(text, margin, doc.y, { width }),
      );
    doc.moveDown(1);
    heading(cover.howToTitle);
    doc.moveDown(0.5).font(fonts.regular).fontSize(11);
    // left-aligned, not justified: justified text reaches screen readers without its spaces
    for (const p of cover.howTo)
      this.tag(doc, 'P', () =>
        doc.font(fonts.regular).fontSize(11).text(fill(p, values), { width }).moveDown(0.6),
      );
    if (booklet.nearby.length) {
      doc.moveDown(0.6);
      heading(cover.nearbyTitle);
      doc.moveDown(0.4);
      this.tag(doc, 'L', () => {
        for (const a of booklet.nearby) {
          doc.fontSize(11).font(fonts.bold).text(a.name, { width, continued: true });
          doc
            .font(fonts.regular)
            .text(` — ${a.address}, ${a.postalCode} ${a.city}${a.phone ? ` — ${a.phone}` : ''}`, {
              width,
            });
        }
      });
    }
    doc.moveDown(1);
    heading(cover.whereTitle);
    doc.moveDown(0.5);
    this.tag(doc, 'P', () =>
      doc.font(fonts.regular).fontSize(11).text(fill(cover.where, values), { width }),
    );
    if (booklet.contact) {
      doc.moveDown(1);
      heading(cover.contactTitle);
      doc.moveDown(0.3);
      this.tag(doc, 'P', () =>
        doc.font(fonts.regular).fontSize(11).text(fill(cover.contact, values), { width }),
      );
    }
  }

  private drawCheque(
    doc: PDFKit.PDFDocument,
    slot: number,
    cheque: { code: string },
    values: Record<string, string | number>,
  ): void {
    const c = this.layout.cheque;
    const margin = this.layout.page.marginMm * MM;
    const slotHeight = (doc.page.height - 2 * margin) / c.perPage;
    const x0 = margin;
    const y0 = margin + slot * slotHeight;
    const width = doc.page.width - 2 * margin;
    const pad = c.paddingMm * MM;

    this.artifact(doc, () => this.drawCutMarks(doc, x0, y0, width, slotHeight));

    const qrSize = c.qrSizeMm * MM;
    const qrX = x0 + width - pad - qrSize;
    const qrY = y0 + (slotHeight - qrSize) / 2;
    const textWidth = qrX - x0 - 2 * pad;
    this.tag(doc, 'Sect', () =>
      this.drawChequeText(doc, cheque, values, x0, y0, slotHeight, textWidth),
    );
    const url = chequeUrl(this.baseUrl, cheque.code);
    this.tag(doc, 'Figure', () => this.drawQr(doc, url, qrX, qrY, qrSize), {
      alt: `QR code du chèque ${formatChequeCode(cheque.code)}`,
    });
  }

  private drawChequeText(
    doc: PDFKit.PDFDocument,
    cheque: { code: string },
    values: Record<string, string | number>,
    x0: number,
    y0: number,
    slotHeight: number,
    textWidth: number,
  ): void {
    const c = this.layout.cheque;
    const { fonts } = this.layout;
    const pad = c.paddingMm * MM;
    let y = y0 + pad;
    doc
      .font(fonts.bold)
      .fontSize(26)
      .fillColor('black')
      .text(fill(c.value, values), x0 + pad, y, { width: textWidth, lineBreak: false });
    y += 30;
    doc
      .font(fonts.bold)
      .fontSize(11)
      .text(fill(c.title, values), x0 + pad, y, {
        width: textWidth,
        lineBreak: false,
        ellipsis: true,
      });
    y += 15;
    doc.font(fonts.regular).fontSize(10);
    for (const line of c.lines) {
      doc.text(fill(line, values), x0 + pad, y, { width: textWidth, lineBreak: false });
      y += 13;
    }
    y += 4;
    doc.fontSize(8).text(c.codeLabel, x0 + pad, y, { lineBreak: false });
    y += 10;
    doc
      .font(fonts.code)
      .fontSize(16)
      .text(formatChequeCode(cheque.code), x0 + pad, y, { lineBreak: false });
    doc
      .font(fonts.regular)
      .fontSize(7)
      .fillColor('#444444')
      .text(fill(c.footer, values), x0 + pad, y0 + slotHeight - pad - 6, {
        width: textWidth,
        lineBreak: false,
        ellipsis: true,
      });
    doc.fillColor('black');
  }

  /** Dashed cutting line under each slot, and corner ticks. */
  private drawCutMarks(
    doc: PDFKit.PDFDocument,
    x: number,
    y: number,
    width: number,
    height: number,
  ): void {
    const tick = this.layout.cheque.cutMarkMm * MM;
    doc.save().lineWidth(0.5).strokeColor('#888888');
    doc
      .moveTo(x, y + height)
      .lineTo(x + width, y + height)
      .dash(3, { space: 3 })
      .stroke()
      .undash();
    for (const [cx, cy] of [
      [x, y],
      [x + width, y],
      [x, y + height],
      [x + width, y + height],
    ]) {
      doc
        .moveTo(cx - tick / 2, cy)
        .lineTo(cx + tick / 2, cy)
        .moveTo(cx, cy - tick / 2)
        .lineTo(cx, cy + tick / 2)
        .stroke();
    }
    doc.restore();
  }

  /**
   * The symbol as vector rectangles, one per run of dark modules, drawn in module units (small
   * integers keep the file small); the quiet zone is left white.
   */
  drawQr(doc: PDFKit.PDFDocument, text: string, x: number, y: number, size: number): void {
    const qr = createQr(qrSegments(text), {
      errorCorrectionLevel: this.layout.cheque.qrErrorCorrection,
    });
    const n = qr.modules.size;
    const data = qr.modules.data;
    const module = size / n;
    const quiet = QUIET_ZONE_MODULES * module;
    doc
      .save()
      .rect(x - quiet, y - quiet, size + 2 * quiet, size + 2 * quiet)
      .fill('white');
    doc.translate(x, y).scale(module);
    for (let row = 0; row < n; row++) {
      let col = 0;
      while (col < n) {
        if (!data[row * n + col]) {
          col++;
          continue;
        }
        const start = col;
        while (col < n && data[row * n + col]) col++;
        doc.rect(start, row, col - start, 1);
      }
    }
    doc.fill('black').restore();
  }
}
