import PDFDocument from 'pdfkit';
import { csvAmount, csvLine } from '../common/csv';
import { frenchDate } from '../common/dates';
import { pdfEuros } from '../common/money';
import type { ClosingDto, ClosingFiguresDto } from './dto/closing.dto';

const MM = 72 / 25.4;

/** The report's lines, in the order the finance office reads them: label, amount, count. */
export function reportLines(f: ClosingFiguresDto): [string, number | null, number | null][] {
  return [
    ['Budget du dispositif', f.budgetCents, null],
    ['Engagé avant clôture (émis − annulé)', f.committedBeforeCents, null],
    ['Carnets émis', null, f.bookletsIssued],
    ['Carnets remis à un bénéficiaire', null, f.bookletsHandedOver],
    ['Carnets jamais remis (restés en stock)', null, f.bookletsNeverHandedOver],
    ['Carnets annulés', null, f.bookletsCancelled],
    ['Chèques émis', f.issuedCents, f.chequesIssued],
    ['Chèques encaissés (hors régularisations)', f.redeemedCents, f.chequesRedeemed],
    ['Portés sur des états de remboursement', f.claimedCents, null],
    ['Payés (états payés)', f.paidCents, null],
    ['À reverser après régularisation', f.owedBackCents, null],
    ['Régularisations déduites', f.correctionsSettledCents, null],
    ['Dépense nette du département', f.netPaidCents, null],
    ['Chèques expirés sans usage', f.expiredCents, f.chequesExpired],
    ['Chèques annulés (perte, vol, remplacement)', f.cancelledCents, f.chequesCancelled],
    ['Encaissés jamais réclamés (forclos)', f.unclaimedCents, null],
    ['Budget libéré à la clôture', f.releasedCents, null],
  ];
}

export function closingCsv(c: ClosingDto): string {
  let out = '\ufeff' + csvLine(['poste', 'montant_euros', 'nombre']);
  for (const [label, cents, count] of reportLines(c.figures))
    out += csvLine([label, cents === null ? '' : csvAmount(cents), count ?? '']);
  out += csvLine(['Comptes équilibrés', c.figures.reconciled ? 'oui' : 'non', '']);
  return out;
}

/** One page: the figures as a table, who closed it and when. Tagged, in French. */
export function closingPdf(c: ClosingDto): PDFKit.PDFDocument {
  const doc = new PDFDocument({
    size: 'A4',
    margin: 18 * MM,
    lang: 'fr-FR',
    tagged: true,
    displayTitle: true,
    info: { Title: `Rapport de clôture — ${c.programmeName}`, Creator: 'Pass numérique' },
  });
  const struct = doc.struct('Document');
  doc.addStructure(struct);
  const add = (type: string, draw: () => void) => {
    const el = doc.struct(type, {}, draw);
    struct.add(el);
    el.end();
  };
  const x = 18 * MM;
  const width = doc.page.width - 36 * MM;
  add('H1', () =>
    doc
      .font('Helvetica-Bold')
      .fontSize(20)
      .text(`Rapport de clôture`, x, 18 * MM),
  );
  add('P', () =>
    doc
      .font('Helvetica')
      .fontSize(12)
      .text(
        `${c.programmeName} — date limite de demande de remboursement : ${frenchDate(c.claimDeadline)}` +
          (c.closedAt
            ? ` — clôturé le ${frenchDate(c.closedAt.slice(0, 10))} par ${c.closedBy ?? ''}`
            : ''),
        { width },
      )
      .moveDown(1),
  );
  const table = doc.struct('Table');
  struct.add(table);
  for (const [label, cents, count] of reportLines(c.figures)) {
    const y = doc.y;
    const row = doc.struct('TR');
    table.add(row);
    row.add(
      doc.struct('TD', {}, () =>
        doc
          .font('Helvetica')
          .fontSize(11)
          .text(label, x, y, { width: width - 70 * MM }),
      ),
    );
    row.add(
      doc.struct('TD', {}, () =>
        doc.text(cents === null ? '' : pdfEuros(cents), x + width - 70 * MM, y, {
          width: 40 * MM,
          align: 'right',
        }),
      ),
    );
    row.add(
      doc.struct('TD', {}, () =>
        doc.text(count === null ? '' : String(count), x + width - 28 * MM, y, {
          width: 28 * MM,
          align: 'right',
        }),
      ),
    );
    row.end();
    doc.y = y + 18;
  }
  table.end();
  add('P', () =>
    doc
      .moveDown(1)
      .font('Helvetica-Bold')
      .text(
        c.figures.reconciled
          ? 'Comptes équilibrés : émis = expirés + annulés + encaissés ; libéré = expirés + forclos + reversés.'
          : 'ATTENTION : les comptes ne sont pas équilibrés.',
        x,
        doc.y,
        { width },
      ),
  );
  struct.end();
  return doc;
}
