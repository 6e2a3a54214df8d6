import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import type { Writable } from 'node:stream';
import { DataSource } from 'typeorm';
import { CSV_BOM, csvAmount, csvLine } from '../common/csv';
import { parisToday, shiftDay } from '../common/dates';
import { ConflictError } from '../common/errors/domain-error';
import { AppConfig } from '../config/app-config';
import { painCreditTransfer } from './sepa';

/** Payment files for the public accountant: approved statements not yet paid. */
@Injectable()
export class PaymentFiles {
  constructor(
    @InjectDataSource() private readonly dataSource: DataSource,
    private readonly config: AppConfig,
  ) {}

  private approved(): Promise<PayableRow[]> {
    return this.dataSource.query(
      `SELECT number, association_name, association_siret, association_iban, association_bic, total_cents
         FROM statement WHERE status = 'APPROVED' ORDER BY year, seq`,
    );
  }

  async writeCsv(out: Writable, onReady: (fileName: string) => void): Promise<void> {
    const rows = await this.approved();
    onReady(`virements-${parisToday()}.csv`);
    out.write(CSV_BOM + csvLine(['etat', 'structure', 'siret', 'iban', 'bic', 'montant_euros']));
    for (const r of rows)
      out.write(
        csvLine([
          r.number,
          r.association_name,
          r.association_siret,
          r.association_iban,
          r.association_bic,
          csvAmount(Number(r.total_cents)),
        ]),
      );
    out.end();
  }

  /**
   * The same statements as a SEPA credit transfer file (pain.001.001.03), one transfer per
   * statement with a positive total (a statement whose corrections outweigh its lines is settled
   * outside the transfer file), execution requested for the next day.
   */
  async writeXml(out: Writable, onReady: (fileName: string) => void): Promise<void> {
    const iban = this.config.get('PAYER_IBAN');
    if (!iban)
      throw new ConflictError(
        "Le compte du Département (PAYER_IBAN) n'est pas configuré.",
        'PAYER_NOT_CONFIGURED',
      );
    const rows = (await this.approved()).filter((r) => Number(r.total_cents) > 0);
    if (rows.length === 0)
      throw new ConflictError('Aucun état approuvé à payer.', 'NOTHING_TO_PAY');
    const now = new Date();
    const today = parisToday(now);
    const xml = painCreditTransfer(
      `PN-${today.replace(/-/g, '')}-${rows[0].number}-${rows.length}`,
      now,
      shiftDay(today, 1),
      { name: this.config.get('PAYER_NAME'), iban, bic: this.config.get('PAYER_BIC') ?? null },
      rows.map((r) => ({
        endToEndId: r.number,
        amountCents: Number(r.total_cents),
        creditorName: r.association_name,
        creditorIban: r.association_iban,
        creditorBic: r.association_bic,
        remittance: `Pass numerique - etat de remboursement ${r.number}`,
      })),
    );
    onReady(`virements-${today}.xml`);
    out.end(xml);
  }
}

interface PayableRow {
  number: string;
  association_name: string;
  association_siret: string;
  association_iban: string;
  association_bic: string | null;
  total_cents: string;
}
