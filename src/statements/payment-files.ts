import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import type { Writable } from 'node:stream';
import { DataSource } from 'typeorm';
import { CSV_BOM, csvAmount, csvLine } from '../common/csv';
import { parisToday } from '../common/dates';

/** Payment files for the public accountant: approved statements not yet paid. */
@Injectable()
export class PaymentFiles {
  constructor(@InjectDataSource() private readonly dataSource: DataSource) {}

  async writeCsv(out: Writable, onReady: (fileName: string) => void): Promise<void> {
    const rows: {
      number: string;
      association_name: string;
      association_siret: string;
      association_iban: string;
      association_bic: string | null;
      total_cents: string;
    }[] = await this.dataSource.query(
      `SELECT number, association_name, association_siret, association_iban, association_bic, total_cents
           FROM statement WHERE status = 'APPROVED' ORDER BY year, seq`,
    );
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
}
