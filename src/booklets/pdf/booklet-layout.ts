import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { templatesDir } from '../../common/project-root';

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

export function loadBookletLayout(dir = templatesDir()): BookletLayout {
  const layout = JSON.parse(
    readFileSync(join(dir, 'booklet.layout.json'), 'utf8'),
  ) as BookletLayout;
  if (!['M', 'Q', 'H'].includes(layout.cheque.qrErrorCorrection))
    throw new Error('booklet layout: qrErrorCorrection must be M, Q or H');
  if (layout.cheque.qrSizeMm < 20) throw new Error('booklet layout: qrSizeMm must be at least 20');
  return layout;
}

/** Replaces {{name}} with values[name]. */
export function fill(template: string, values: Record<string, string | number>): string {
  return template.replace(/\{\{(\w+)\}\}/g, (_m, key: string) => String(values[key] ?? ''));
}
