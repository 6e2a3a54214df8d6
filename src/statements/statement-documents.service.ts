import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { createHash } from 'node:crypto';
import { PassThrough, type Writable } from 'node:stream';
import { DataSource, EntityManager } from 'typeorm';
import { StatementRenderer } from './pdf/statement-renderer';
import { StatementDocument } from './statement-document.entity';
import { APPROVED_STATUSES, Statement } from './statement.entity';
import * as queries from './statement.queries';

/**
 * Statement PDFs: drawn live while a statement is only issued (marked provisional), drawn once at
 * approval and kept (statement_document) from then on, so that what the accountant received is
 * what every later download gives.
 */
@Injectable()
export class StatementDocumentsService {
  constructor(
    @InjectDataSource() private readonly dataSource: DataSource,
    private readonly renderer: StatementRenderer,
  ) {}

  /** Writes the statement's PDF to `out`: the kept document once approved, else drawn now. */
  async write(statement: Statement, out: Writable): Promise<void> {
    if (!isApproved(statement)) {
      await this.renderer.write(
        statement,
        queries.linePages(this.dataSource.manager, statement.id),
        out,
      );
      return;
    }
    const document = await this.approved(statement);
    out.end(document.content);
  }

  /**
   * The kept PDF of an approved statement; one approved before documents were kept is drawn and
   * kept now (the first download decides its bytes, as approval does for the others).
   */
  async approved(statement: Statement): Promise<StatementDocument> {
    const kept = await this.find(this.dataSource.manager, statement.id);
    if (kept) return kept;
    await this.dataSource.transaction(async (em) => {
      await this.keep(em, statement);
    });
    return (await this.find(this.dataSource.manager, statement.id))!;
  }

  /** Draws and keeps the PDF of a statement being approved, in the approval's transaction. */
  async keep(em: EntityManager, statement: Statement): Promise<void> {
    // its lines read on the transaction's own connection: waiting for a second one from the pool
    // while holding this one could wait forever when every connection does the same
    const content = await this.render(em, statement);
    await em
      .createQueryBuilder()
      .insert()
      .into(StatementDocument)
      .values({
        statementId: statement.id,
        content,
        sha256: createHash('sha256').update(content).digest('hex'),
        byteSize: content.length,
      })
      .orIgnore()
      .execute();
  }

  /** The kept documents of these statements, in the order asked. */
  async approvedMany(statements: Statement[]): Promise<StatementDocument[]> {
    const documents: StatementDocument[] = [];
    for (const s of statements) documents.push(await this.approved(s));
    return documents;
  }

  private find(em: EntityManager, statementId: string): Promise<StatementDocument | null> {
    return em.findOneBy(StatementDocument, { statementId });
  }

  private async render(em: EntityManager, statement: Statement): Promise<Buffer> {
    const out = new PassThrough();
    const chunks: Buffer[] = [];
    out.on('data', (chunk: Buffer) => chunks.push(chunk));
    await this.renderer.write(statement, queries.linePages(em, statement.id), out);
    return Buffer.concat(chunks);
  }
}

function isApproved(s: Statement): boolean {
  return (APPROVED_STATUSES as readonly string[]).includes(s.status);
}
