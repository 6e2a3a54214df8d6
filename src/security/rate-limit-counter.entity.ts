import { Column, Entity, PrimaryColumn } from 'typeorm';

/** Fixed-window counters shared by every instance (failed cheque lookups, public checks). */
@Entity('rate_limit_counter')
export class RateLimitCounter {
  @PrimaryColumn({
    type: 'varchar',
    length: 200,
    primaryKeyConstraintName: 'pk_rate_limit_counter',
  })
  key!: string;

  @Column({ type: 'timestamptz' })
  windowStart!: Date;

  @Column({ type: 'integer' })
  hits!: number;
}
