import { Check, Column, Entity, JoinColumn, OneToOne, PrimaryColumn } from 'typeorm';
import { Statement } from './statement.entity';

/**
 * The PDF of an approved statement as it was certified: the supporting document (pièce
 * justificative) sent with its mandate, kept once with its SHA-256 and never rewritten (a
 * trigger refuses any change), so that every later download — alone or in a batch's documents —
 * is these bytes, whatever version of the service draws statements then.
 */
@Entity('statement_document')
@Check('ck_statement_document_sha256', `sha256 ~ '^[0-9a-f]{64}$'`)
export class StatementDocument {
  @PrimaryColumn({ type: 'uuid', primaryKeyConstraintName: 'pk_statement_document' })
  statementId!: string;

  @OneToOne(() => Statement, { onDelete: 'RESTRICT' })
  @JoinColumn({ name: 'statement_id', foreignKeyConstraintName: 'fk_statement_document_statement' })
  statement?: Statement;

  @Column({ type: 'bytea' })
  content!: Buffer;

  @Column({ type: 'char', length: 64 })
  sha256!: string;

  @Column({ type: 'integer' })
  byteSize!: number;

  @Column({ type: 'timestamptz', default: () => 'now()' })
  createdAt!: Date;
}
