import { Entity, JoinColumn, ManyToOne, PrimaryColumn } from 'typeorm';
// A site is a feature above users: the foreign key names the table by entity name, the class only
// as a type (see .dependency-cruiser.js).
import type { DistributionSite } from '../sites/distribution-site.entity';
import { User } from './user.entity';

/** The distribution sites an agent or a prescriber works at; a prescriber acts only on these. */
@Entity('user_site')
export class UserSite {
  @PrimaryColumn({ type: 'uuid', primaryKeyConstraintName: 'pk_user_site' })
  userId!: string;

  @PrimaryColumn({ type: 'uuid', primaryKeyConstraintName: 'pk_user_site' })
  siteId!: string;

  @ManyToOne(() => User, { onDelete: 'CASCADE' })
  @JoinColumn({ name: 'user_id', foreignKeyConstraintName: 'fk_user_site_user' })
  user?: User;

  @ManyToOne('DistributionSite', { onDelete: 'RESTRICT' })
  @JoinColumn({ name: 'site_id', foreignKeyConstraintName: 'fk_user_site_site' })
  site?: DistributionSite;
}
