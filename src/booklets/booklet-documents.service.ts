import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { once } from 'node:events';
import type { Writable } from 'node:stream';
import { DataSource, In } from 'typeorm';
import { csvAmount, streamCsv } from '../common/csv';
import { NotFoundError } from '../common/errors/common.errors';
import { AppConfig } from '../config/app-config';
import type { Programme } from '../programmes/programme.entity';
import { Booklet, PrintBatch } from './booklet.entity';
import { BOOKLET_ERRORS } from './booklet.errors';
import * as queries from './booklet.queries';
import { Cheque } from './cheque.entity';
import { loadBookletLayout } from './pdf/booklet-layout';
import { BookletRenderer, PrintableBooklet } from './pdf/booklet-renderer';
import { renderCoveringLetter } from './pdf/letter-renderer';
import { AssociationsService } from '../associations/associations.service';
import type { Actor } from '../common/access/role';
import { canActOnSite } from '../common/access/scope';

/** A booklet's status in the manifest. */
const BOOKLET_STATUS_CSV = { IN_STOCK: 'en stock', ACTIVE: 'remis', CANCELLED: 'annulé' } as const;

/** Booklets read per query while streaming a print run. */
const PRINT_PAGE = 50;

/** The booklets' documents: one booklet's PDF, a print run's PDF and its manifest, streamed. */
@Injectable()
export class BookletDocumentsService {
  private readonly renderer: BookletRenderer;

  private readonly baseUrl: string;

  constructor(
    @InjectDataSource() private readonly dataSource: DataSource,
    private readonly config: AppConfig,
    private readonly associations: AssociationsService,
  ) {
    this.baseUrl = config.get('PUBLIC_BASE_URL');
    this.renderer = new BookletRenderer(loadBookletLayout(), this.baseUrl);
  }

  /** The département's contact printed on covers and letters. */
  private get contact(): string {
    return this.config.get('DEPARTEMENT_CONTACT') ?? '';
  }

  /**
   * The covering letter of a booklet handed over (or issued to a beneficiary): the nearest
   * accredited associations to the beneficiary's postal code, how to use the cheques, until when,
   * whom to call. A prescriber prints the letters of their own sites only.
   */
  async writeLetterPdf(
    actor: Actor,
    id: string,
    out: Writable,
    onReady: (fileName: string) => void,
  ): Promise<void> {
    const booklet = await this.dataSource.manager.findOne(Booklet, {
      where: { id },
      relations: { programme: true, beneficiary: true, site: true },
    });
    if (!booklet || !canActOnSite(actor, booklet.siteId)) throw new NotFoundError('Carnet', id);
    if (booklet.status !== 'ACTIVE' || !booklet.beneficiary)
      throw BOOKLET_ERRORS.error('LETTER_NEEDS_HANDOVER', { number: booklet.number });
    const remaining = await this.dataSource.manager.count(Cheque, {
      where: { bookletId: id, status: 'ISSUED' },
    });
    const site = booklet.site;
    const callWhom = [
      site?.phone ? `${site.name} : ${site.phone}.` : site ? `${site.name}.` : '',
      this.contact ? `${this.contact}.` : `Le Département : ${booklet.programme!.departementName}.`,
    ].filter(Boolean);
    onReady(`lettre-${booklet.number}.pdf`);
    const doc = renderCoveringLetter(
      this.renderer,
      {
        bookletNumber: booklet.number,
        coverToken: booklet.coverToken,
        programmeName: booklet.programme!.name,
        departementName: booklet.programme!.departementName,
        chequeCount: remaining,
        faceValueCents: booklet.faceValueCents,
        expiresOn: booklet.programme!.expiresOn,
        callWhom,
        nearby: await this.associations.nearby(
          booklet.beneficiary.postalCode,
          this.config.get('NEARBY_ASSOCIATIONS'),
        ),
      },
      this.baseUrl,
    );
    doc.pipe(out);
    doc.end();
    await once(out, 'finish');
  }

  /** Streams one booklet's PDF into `out`. Refused for a cancelled booklet. */
  async writeBookletPdf(
    id: string,
    out: Writable,
    onReady: (fileName: string) => void,
  ): Promise<void> {
    const booklet = await this.dataSource.manager.findOne(Booklet, {
      where: { id },
      relations: { programme: true, beneficiary: true },
    });
    if (!booklet) throw new NotFoundError('Carnet', id);
    if (booklet.status === 'CANCELLED') throw BOOKLET_ERRORS.error('BOOKLET_CANCELLED');
    const cheques = await this.dataSource.manager.find(Cheque, {
      where: { bookletId: id },
      order: { position: 'ASC' },
    });
    // a pre-addressed booklet lists the associations near its beneficiary on its cover
    const nearby = booklet.beneficiary
      ? await this.associations.nearby(
          booklet.beneficiary.postalCode,
          this.config.get('NEARBY_ASSOCIATIONS'),
        )
      : [];
    onReady(`carnet-${booklet.number}.pdf`);
    const doc = this.renderer.createDocument(`Carnet ${booklet.number}`, { tagged: true });
    doc.pipe(out);
    this.renderer.addBooklet(doc, this.printable(booklet, booklet.programme!, cheques, nearby));
    doc.end();
    await once(out, 'finish');
  }

  /**
   * Streams a whole print run as one PDF while it is generated: booklets are read PRINT_PAGE at a
   * time and drawing waits whenever the client is slower than the generation, so memory stays flat.
   */
  async writeBatchPdf(
    batchId: string,
    out: Writable,
    onReady: (fileName: string) => void,
  ): Promise<void> {
    const em = this.dataSource.manager;
    const batch = await em.findOne(PrintBatch, {
      where: { id: batchId },
      relations: { programme: true, site: true },
    });
    if (!batch) throw new NotFoundError("Lot d'impression", batchId);
    onReady(`${await this.printRunName(batchId)}.pdf`);
    const doc = this.renderer.createDocument(`Lot d'impression — ${batch.site!.name}`, {
      tagged: false,
    });
    doc.pipe(out);
    for await (const booklets of queries.printRunPages(
      this.dataSource.manager,
      batchId,
      PRINT_PAGE,
      true,
    )) {
      const cheques = await em.find(Cheque, {
        where: { bookletId: In(booklets.map((b) => b.id)) },
        order: { position: 'ASC' },
      });
      for (const booklet of booklets) {
        const own = cheques.filter((c) => c.bookletId === booklet.id);
        this.renderer.addBooklet(doc, this.printable(booklet, batch.programme!, own));
        if (out.writableNeedDrain) await once(out, 'drain');
        if (out.destroyed) return;
      }
    }
    doc.end();
    await once(out, 'finish');
  }

  /** A print run's file name, from its booklet numbers: "lot-31-2026-000124-a-000133". */
  private async printRunName(batchId: string): Promise<string> {
    const [range] = await this.dataSource.query<{ first: string; last: string }[]>(
      'SELECT min(number) AS first, max(number) AS last FROM booklet WHERE batch_id = $1',
      [batchId],
    );
    if (!range?.first) return `lot-${batchId}`;
    return `lot-${range.first}-a-${range.last.slice(-6)}`;
  }

  /** The print run's manifest: booklet numbers and cheque counts, never codes. */
  async writeBatchManifest(
    batchId: string,
    out: Writable,
    onReady: (fileName: string) => void,
  ): Promise<void> {
    const em = this.dataSource.manager;
    const batch = await em.findOne(PrintBatch, {
      where: { id: batchId },
      relations: { site: true },
    });
    if (!batch) throw new NotFoundError("Lot d'impression", batchId);
    onReady(`${await this.printRunName(batchId)}-manifeste.csv`);
    await streamCsv(
      out,
      [
        'numero_carnet',
        'nombre_cheques',
        'valeur_faciale_euros',
        'valeur_totale_euros',
        'statut',
        'lieu_de_distribution',
      ],
      queries.printRunPages(em, batchId, 1000, false),
      (b) => [
        b.number,
        b.chequeCount,
        csvAmount(b.faceValueCents),
        csvAmount(b.faceValueCents * b.chequeCount),
        BOOKLET_STATUS_CSV[b.status],
        batch.site!.name,
      ],
    );
  }

  private printable(
    b: Booklet,
    programme: Programme,
    cheques: Cheque[],
    nearby: PrintableBooklet['nearby'] = [],
  ): PrintableBooklet {
    return {
      number: b.number,
      reference: b.beneficiary?.reference ?? null,
      coverToken: b.coverToken,
      contact: this.contact,
      nearby,
      programme,
      faceValueCents: b.faceValueCents,
      cheques: cheques
        .filter((c) => c.status !== 'CANCELLED')
        .map((c) => ({ position: c.position, code: c.code })),
    };
  }
}
