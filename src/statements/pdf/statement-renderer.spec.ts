import { PassThrough, Readable } from 'node:stream';
import type { AppConfig } from '../../config/app-config';
import type { Statement } from '../statement.entity';
import type { StatementLineRow } from '../statement.queries';
import { StatementRenderer, TAGGED_LINES_MAX } from './statement-renderer';

const renderer = new StatementRenderer({ get: () => 'Département' } as unknown as AppConfig);

function statement(lines: number): Statement {
  return {
    id: 'id',
    number: 'ER-2026-00001',
    status: 'APPROVED',
    issuedAt: new Date('2026-03-01T10:00:00Z'),
    approvedAt: new Date('2026-03-02T10:00:00Z'),
    approverName: 'Claire Martin',
    approverTitle: null,
    associationName: 'Les Connectés',
    associationSiret: '98579106600014',
    associationAddress: '1 rue, 31000 Toulouse',
    associationIban: 'FR7630006000011234567890189',
    associationBic: null,
    periodFrom: '2026-02-01',
    periodTo: '2026-02-28',
    totalCents: lines * 1000,
    lineCount: lines,
    contentHash: 'a'.repeat(64),
    imputations: [],
  } as unknown as Statement;
}

/** The lines 1,000 a page, as the database gives them. */
function pages(lines: number): AsyncIterable<StatementLineRow[]> {
  const all: StatementLineRow[][] = [];
  for (let start = 0; start < lines; start += 1000)
    all.push(
      Array.from({ length: Math.min(1000, lines - start) }, (_, i) => ({
        line_no: start + i + 1,
        session_date: '2026-02-02',
        activity: 'Smartphone',
        booklet_number: `31-2026-${String(start + i).padStart(6, '0')}`,
        cheque_position: (i % 10) + 1,
        amount_cents: '1000',
        corrects_statement_number: null,
      })),
    );
  return Readable.from(all);
}

async function render(lines: number): Promise<Buffer> {
  const out = new PassThrough();
  const chunks: Buffer[] = [];
  out.on('data', (c: Buffer) => chunks.push(c));
  await renderer.write(statement(lines), pages(lines), out);
  return Buffer.concat(chunks);
}

describe('statement PDF', () => {
  it('is the same bytes at every drawing, tagged, PDF/A, with its CSV attached', async () => {
    const a = await render(3);
    expect((await render(3)).equals(a)).toBe(true);
    const text = a.toString('latin1');
    expect(text).toContain('/StructTreeRoot');
    expect(text).toContain('/AFRelationship /Data');
    expect(text).toContain('<pdfaid:part>3</pdfaid:part>');
    expect(text).not.toContain('/Helvetica');
    expect(text.trimEnd().endsWith('%%EOF')).toBe(true);
  });

  it('beyond the tagged size still finishes (its table an artifact), and stays the same bytes', async () => {
    const a = await render(TAGGED_LINES_MAX + 1);
    expect(a.toString('latin1').trimEnd().endsWith('%%EOF')).toBe(true);
    expect((await render(TAGGED_LINES_MAX + 1)).equals(a)).toBe(true);
  });
});
