import { Check, Column, Entity, PrimaryColumn } from 'typeorm';

/** How many audit chains the events are spread over (ids 0 … AUDIT_CHAINS − 1). */
export const AUDIT_CHAINS = 64;

/**
 * The head of one audit chain: how many events it holds and the hash of its latest one. Each
 * transaction appends its events to one chain, chosen from its transaction id, under that
 * chain's row lock: transactions on different chains never wait for each other, and
 * `audit:verify` compares each chain's last event with its head, so a deleted tail is seen.
 */
@Entity('audit_chain')
@Check('ck_audit_chain_id', `"id" >= 0 AND "id" < ${AUDIT_CHAINS}`)
@Check('ck_audit_chain_seq', `"seq" >= 0`)
export class AuditChain {
  @PrimaryColumn({ type: 'smallint', primaryKeyConstraintName: 'pk_audit_chain' })
  id!: number;

  @Column({ type: 'bigint', default: 0 })
  seq!: string;

  @Column({ type: 'char', length: 64 })
  headHash!: string;
}
