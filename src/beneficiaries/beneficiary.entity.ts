import { Check, Column, CreateDateColumn, Entity, PrimaryGeneratedColumn, Unique } from 'typeorm';

export const AGE_BANDS = [
  'UNDER_18',
  '18_24',
  '25_39',
  '40_54',
  '55_64',
  '65_74',
  '75_PLUS',
] as const;
export type AgeBand = (typeof AGE_BANDS)[number];

export const NEED_CATEGORIES = [
  'DEVICE_BASICS',
  'ONLINE_PROCEDURES',
  'EMPLOYMENT',
  'SOCIAL_CONNECTION',
  'OTHER',
] as const;
export type NeedCategory = (typeof NEED_CATEGORIES)[number];

/**
 * The least personal data that works: a pseudonymous reference, a postal code, optional age band
 * and need category; names only when the programme allows them. `erased_at` marks erasure.
 */
@Entity('beneficiary')
@Unique('uq_beneficiary_reference', ['reference'])
@Check('ck_beneficiary_postal_code', `postal_code ~ '^[0-9]{5}$'`)
export class Beneficiary {
  @PrimaryGeneratedColumn('uuid', { primaryKeyConstraintName: 'pk_beneficiary' })
  id!: string;

  @Column({ type: 'varchar', length: 40 })
  reference!: string;

  @Column({ type: 'char', length: 5 })
  postalCode!: string;

  @Column({ type: 'varchar', length: 20, nullable: true })
  ageBand!: AgeBand | null;

  @Column({ type: 'varchar', length: 30, nullable: true })
  needCategory!: NeedCategory | null;

  @Column({ type: 'varchar', length: 100, nullable: true })
  firstName!: string | null;

  @Column({ type: 'varchar', length: 100, nullable: true })
  lastName!: string | null;

  @Column({ type: 'timestamptz', nullable: true })
  erasedAt!: Date | null;

  @CreateDateColumn({ type: 'timestamptz' })
  createdAt!: Date;
}
