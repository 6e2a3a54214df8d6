import { StartupError } from '../common/startup-error';
import {
  DEFAULT_MANDATE_COLUMNS,
  mandatesCsv,
  mandateSplitRefusal,
  parseMandateColumns,
} from './mandates';
import type { PaymentBatch } from './payment-batch.entity';
import type { BatchRow } from './payment-batch.queries';

const batch = { number: 'BP-2026-0001' } as PaymentBatch;
const imputation = (programme: string, chapter: string, amountCents: number) => ({
  programmeId: programme,
  programmeName: programme,
  chapter,
  article: '6574',
  function: '58',
  service: null,
  legalBasis: 'Délibération CP-1',
  legalBasisDate: '2026-01-15',
  amountCents,
});
const row = (over: Partial<BatchRow>): BatchRow => ({
  statement_id: 'id',
  number: 'ER-2026-00001',
  status: 'IN_BATCH',
  association_name: 'Les Connectés',
  association_siret: '98579106600014',
  association_address: '1 rue, 31000 Toulouse',
  association_iban: 'FR7630006000011234567890189',
  association_bic: null,
  period_from: '2026-03-01',
  period_to: '2026-03-31',
  imputations: [imputation('P1', '65', 3000)],
  approved_on: '2026-04-02',
  approver_name: 'Claire Martin',
  amount_cents: '3000',
  paid_on: null,
  payment_reference: null,
  mandate_number: null,
  bank_details_recently_changed: false,
  ...over,
});

describe('mandates file', () => {
  it('has documented default columns and takes a département mapping in order', () => {
    expect(parseMandateColumns(undefined)).toBe(DEFAULT_MANDATE_COLUMNS);
    expect(parseMandateColumns(' ')).toBe(DEFAULT_MANDATE_COLUMNS);
    const columns = parseMandateColumns(
      'Tiers=siret, Montant TTC=amount,Objet=object,Imputation=imputation',
    );
    expect(mandatesCsv(batch, [row({})], columns)).toBe(
      '\uFEFFTiers;Montant TTC;Objet;Imputation\r\n' +
        '98579106600014;30,00;Pass numérique – état de remboursement ER-2026-00001 – séances du 01/03/2026 au 31/03/2026;65-6574-58\r\n',
    );
  });

  it('stops the service at start on an unknown field or a pair without =', () => {
    expect(() => parseMandateColumns('Tiers=siret,Montant=montant')).toThrow(StartupError);
    expect(() => parseMandateColumns('Tiers=siret,Montant=montant')).toThrow(
      /unknown field "montant"/,
    );
    expect(() => parseMandateColumns('Tiers')).toThrow(/is not header=field/);
  });

  it('splits a statement charged to two imputations into one line each, same statement, same PDF', () => {
    const csv = mandatesCsv(
      batch,
      [
        row({
          imputations: [
            imputation('P1', '65', 2000),
            imputation('P2', '011', 1000),
            imputation('P3', '65', 500),
          ],
          amount_cents: '3500',
        }),
      ],
      parseMandateColumns('E=statement,L=line,C=chapter,M=amount,P=pdf'),
    );
    expect(csv.split('\r\n').slice(1, -1)).toEqual([
      'ER-2026-00001;1;65;25,00;ER-2026-00001.pdf',
      'ER-2026-00001;2;011;10,00;ER-2026-00001.pdf',
    ]);
  });

  it('refuses a split with a negative or zero part: no negative mandate ever', () => {
    expect(mandateSplitRefusal([imputation('P1', '65', 3000)], 3000)).toBeNull();
    expect(
      mandateSplitRefusal([imputation('P1', '65', 10000), imputation('P2', '011', -3000)], 7000),
    ).toMatch(/011-6574-58\) would be paid -3000 cents/);
    // the same imputation: the correction offsets the cheques within one mandate
    expect(
      mandateSplitRefusal([imputation('P1', '65', 10000), imputation('P2', '65', -3000)], 7000),
    ).toBeNull();
    expect(mandateSplitRefusal([imputation('P1', '65', 3000)], 2000)).toMatch(/add up to 3000/);
  });
});
