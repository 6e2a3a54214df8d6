import {
  Check,
  Column,
  CreateDateColumn,
  Entity,
  PrimaryGeneratedColumn,
  Unique,
  UpdateDateColumn,
} from 'typeorm';

export const SITE_KINDS = ['CCAS', 'MDS', 'FRANCE_SERVICES', 'MEDIATHEQUE', 'OTHER'] as const;
export type SiteKind = (typeof SITE_KINDS)[number];

/**
 * A place where booklets are kept and handed out (CCAS, maison des solidarités, France Services,
 * médiathèque…). Its booklets are counted as stock until a prescriber hands one to a resident.
 */
@Entity('distribution_site')
@Unique('uq_distribution_site_name', ['name'])
@Check(
  'ck_distribution_site_kind',
  `kind IN ('CCAS', 'MDS', 'FRANCE_SERVICES', 'MEDIATHEQUE', 'OTHER')`,
)
@Check('ck_distribution_site_postal_code', `postal_code IS NULL OR postal_code ~ '^[0-9]{5}$'`)
export class DistributionSite {
  @PrimaryGeneratedColumn('uuid', { primaryKeyConstraintName: 'pk_distribution_site' })
  id!: string;

  @Column({ type: 'varchar', length: 200 })
  name!: string;

  @Column({ type: 'varchar', length: 20 })
  kind!: SiteKind;

  /** Null only for the sites the migration made from the free-text print-run places. */
  @Column({ type: 'varchar', length: 300, nullable: true })
  address!: string | null;

  @Column({ type: 'char', length: 5, nullable: true })
  postalCode!: string | null;

  @Column({ type: 'varchar', length: 100, nullable: true })
  city!: string | null;

  /** Phone number given to beneficiaries on their covering letter. */
  @Column({ type: 'varchar', length: 30, nullable: true })
  phone!: string | null;

  @Column({ type: 'boolean', default: true })
  active!: boolean;

  @CreateDateColumn({ type: 'timestamptz' })
  createdAt!: Date;

  @UpdateDateColumn({ type: 'timestamptz' })
  updatedAt!: Date;
}
