import { loadLayout } from '../../common/template';

/** The printed layout, kept in templates/booklet.layout.json so a designer can change it. */
export interface BookletLayout {
  page: { size: string; marginMm: number };
  fonts: { regular: string; bold: string; code: string };
  cover: {
    title: string;
    subtitle: string;
    lines: string[];
    howToTitle: string;
    howTo: string[];
    whereTitle: string;
    where: string;
    referenceLine: string;
    qrSizeMm: number;
    qrCaption: string;
    contactTitle: string;
    contact: string;
    nearbyTitle: string;
  };
  cheque: {
    perPage: number;
    paddingMm: number;
    qrSizeMm: number;
    qrErrorCorrection: 'M' | 'Q' | 'H';
    cutMarkMm: number;
    value: string;
    title: string;
    lines: string[];
    codeLabel: string;
    footer: string;
  };
}

export function loadBookletLayout(): BookletLayout {
  const layout = loadLayout<BookletLayout>('booklet.layout.json');
  if (!['M', 'Q', 'H'].includes(layout.cheque.qrErrorCorrection))
    throw new Error('booklet layout: qrErrorCorrection must be M, Q or H');
  if (layout.cheque.qrSizeMm < 20) throw new Error('booklet layout: qrSizeMm must be at least 20');
  return layout;
}
