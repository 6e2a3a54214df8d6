import PDFDocument from 'pdfkit';
import { frenchDate } from '../../common/dates';
import { pdfEuros } from '../../common/money';
import { BookletRenderer, NearbyAssociation } from './booklet-renderer';

const MM = 72 / 25.4;

/** What the covering letter says: nothing about the person but their booklet and where to go. */
export interface CoveringLetter {
  bookletNumber: string;
  coverToken: string;
  programmeName: string;
  departementName: string;
  chequeCount: number;
  faceValueCents: number;
  expiresOn: string;
  /** Whom to call: the site that handed the booklet over, then the département. */
  callWhom: string[];
  nearby: NearbyAssociation[];
}

/**
 * The letter a prescriber prints at handover: one A4 page, large type, short sentences that a
 * person uncomfortable with reading can follow, numbered steps; the nearest associations; whom to
 * call. Tagged so that a screen reader reads it in order.
 */
export function renderCoveringLetter(
  booklets: BookletRenderer,
  letter: CoveringLetter,
  baseUrl: string,
): PDFKit.PDFDocument {
  const doc = new PDFDocument({
    size: 'A4',
    margin: 18 * MM,
    compress: true,
    lang: 'fr-FR',
    tagged: true,
    displayTitle: true,
    info: {
      Title: `Votre Pass numérique — carnet ${letter.bookletNumber}`,
      Author: `Département — ${letter.departementName}`,
      Creator: 'Pass numérique',
    },
  });
  const width = doc.page.width - 36 * MM;
  const x = 18 * MM;
  const struct = doc.struct('Document');
  doc.addStructure(struct);
  const block = (type: string, draw: () => void) => {
    const el = doc.struct(type, {}, () => draw());
    struct.add(el);
    el.end();
  };
  block('H1', () =>
    doc
      .font('Helvetica-Bold')
      .fontSize(26)
      .text('Votre Pass numérique', x, 18 * MM, { width: width - 40 * MM }),
  );
  block('P', () =>
    doc
      .font('Helvetica')
      .fontSize(15)
      .text(
        `Vous avez ${letter.chequeCount} chèques de ${pdfEuros(letter.faceValueCents)}. Ils sont à vous.`,
        { width: width - 40 * MM },
      ),
  );
  // the cover's QR again: the booklet's page
  doc.markContent('Artifact');
  booklets.drawQr(
    doc,
    `${baseUrl}/carnet/${letter.coverToken}`,
    x + width - 32 * MM,
    18 * MM,
    32 * MM,
  );
  doc.endMarkedContent();
  doc.y = Math.max(doc.y, 18 * MM + 40 * MM);

  const steps = [
    'Choisissez un atelier dans un lieu de la liste ci-dessous.',
    'Apportez votre carnet le jour de l’atelier.',
    'Le lieu garde un ou plusieurs chèques. C’est tout : vous ne payez pas ces chèques.',
    `Vos chèques marchent jusqu’au ${frenchDate(letter.expiresOn)}.`,
  ];
  block('H2', () =>
    doc
      .moveDown(0.8)
      .font('Helvetica-Bold')
      .fontSize(18)
      .text('Comment faire', x, doc.y, { width }),
  );
  steps.forEach((s, i) =>
    block('P', () =>
      doc
        .moveDown(0.3)
        .font('Helvetica')
        .fontSize(15)
        .text(`${i + 1}.  ${s}`, x, doc.y, { width, indent: 0 }),
    ),
  );
  block('H2', () =>
    doc
      .moveDown(0.8)
      .font('Helvetica-Bold')
      .fontSize(18)
      .text('Où aller près de chez vous', { width }),
  );
  if (letter.nearby.length === 0)
    block('P', () =>
      doc
        .font('Helvetica')
        .fontSize(14)
        .text(`Demandez la liste des lieux : ${baseUrl}/structures`, { width }),
    );
  for (const a of letter.nearby)
    block('P', () => {
      doc.moveDown(0.3).font('Helvetica-Bold').fontSize(14).text(a.name, { width });
      doc
        .font('Helvetica')
        .fontSize(13)
        .text(
          `${a.address}, ${a.postalCode} ${a.city}${a.phone ? `. Téléphone : ${a.phone}` : ''}`,
          {
            width,
          },
        );
      if (a.activities.length)
        doc
          .fontSize(12)
          .fillColor('#333333')
          .text(a.activities.join(', '), { width })
          .fillColor('black');
    });
  block('H2', () =>
    doc.moveDown(0.8).font('Helvetica-Bold').fontSize(18).text('Besoin d’aide ?', { width }),
  );
  for (const line of letter.callWhom)
    block('P', () => doc.font('Helvetica').fontSize(14).text(line, { width }));
  block('P', () =>
    doc
      .moveDown(0.6)
      .fontSize(11)
      .fillColor('#333333')
      .text(
        `Carnet n° ${letter.bookletNumber}. Si vous perdez votre carnet, appelez vite : il sera bloqué.`,
        { width },
      )
      .fillColor('black'),
  );
  struct.end();
  return doc;
}
