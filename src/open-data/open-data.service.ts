import { Injectable, Logger } from '@nestjs/common';
import {
  ModelError,
  SchemaLieuMediationNumerique,
} from '@gouvfr-anct/lieux-de-mediation-numerique';
import type { Writable } from 'node:stream';
import { AssociationsService } from '../associations/associations.service';
import { csvLine } from '../common/csv';
import { AppConfig } from '../config/app-config';
import { LIEU_COLUMNS, toLieu } from './lieux';

export interface LieuxExport {
  lieux: SchemaLieuMediationNumerique[];
  /** Associations left out because their data does not meet the standard, with the reason. */
  rejected: { id: string; name: string; reason: string }[];
}

/** Open data the département can publish: where mediation happens, in the national standard. */
@Injectable()
export class OpenDataService {
  private readonly logger = new Logger(OpenDataService.name);

  constructor(
    private readonly associations: AssociationsService,
    private readonly config: AppConfig,
  ) {}

  async lieux(): Promise<LieuxExport> {
    const source = `Pass numérique (${new URL(this.config.get('PUBLIC_BASE_URL')).host})`;
    const out: LieuxExport = { lieux: [], rejected: [] };
    for (const association of await this.associations.accreditedToday()) {
      try {
        out.lieux.push(toLieu(association, source));
      } catch (err) {
        if (!(err instanceof ModelError)) throw err;
        out.rejected.push({ id: association.id, name: association.name, reason: err.message });
      }
    }
    if (out.rejected.length)
      this.logger.warn({ rejected: out.rejected }, 'associations left out of the open data');
    return out;
  }

  async writeLieuxCsv(out: Writable, onReady: (fileName: string) => void): Promise<void> {
    const { lieux } = await this.lieux();
    onReady('lieux-de-mediation-numerique.csv');
    // The standard's CSV: comma-separated UTF-8, as the national tools read it.
    out.write(csvLine(LIEU_COLUMNS, ','));
    for (const lieu of lieux)
      out.write(
        csvLine(
          LIEU_COLUMNS.map((c) => lieu[c]),
          ',',
        ),
      );
    out.end();
  }
}
