import {
  Check,
  Column,
  CreateDateColumn,
  Entity,
  PrimaryGeneratedColumn,
  Unique,
  UpdateDateColumn,
} from 'typeorm';

/** A structure de médiation numérique. */
@Entity('association')
@Unique('uq_association_siret', ['siret'])
@Check('ck_association_siret', `siret ~ '^[0-9]{14}$'`)
@Check('ck_association_postal_code', `postal_code ~ '^[0-9]{5}$'`)
export class Association {
  @PrimaryGeneratedColumn('uuid', { primaryKeyConstraintName: 'pk_association' })
  id!: string;

  @Column({ type: 'varchar', length: 200 })
  name!: string;

  @Column({ type: 'char', length: 14 })
  siret!: string;

  @Column({ type: 'varchar', length: 300 })
  address!: string;

  @Column({ type: 'char', length: 5 })
  postalCode!: string;

  @Column({ type: 'varchar', length: 100 })
  city!: string;

  @Column({ type: 'varchar', length: 254 })
  email!: string;

  @Column({ type: 'varchar', length: 30, nullable: true })
  phone!: string | null;

  /** As the association gives them ("Mardi et jeudi 14 h – 17 h"), shown to the public. */
  @Column({ type: 'varchar', length: 300, nullable: true })
  openingHours!: string | null;

  /** Electronic format (no spaces, upper case), checked with ibantools. */
  @Column({ type: 'varchar', length: 34 })
  iban!: string;

  @Column({ type: 'varchar', length: 11, nullable: true })
  bic!: string | null;

  @Column({ type: 'jsonb' })
  activities!: string[];

  @CreateDateColumn({ type: 'timestamptz' })
  createdAt!: Date;

  @UpdateDateColumn({ type: 'timestamptz' })
  updatedAt!: Date;
}
