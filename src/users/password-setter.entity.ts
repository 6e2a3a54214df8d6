import { CreateDateColumn, Entity, JoinColumn, ManyToOne, PrimaryColumn } from 'typeorm';
import { User } from './user.entity';

/**
 * Everyone who ever chose an account's password (at its creation or a reset): each could have
 * signed in as it. Append-only (a trigger refuses changes): separation of duties follows every
 * setter an account ever had, not only the last one (src/users/four-eyes.ts). Accounts created on
 * the server have none.
 */
@Entity('password_setter')
export class PasswordSetter {
  @PrimaryColumn({ type: 'uuid', primaryKeyConstraintName: 'pk_password_setter' })
  userId!: string;

  @ManyToOne(() => User, { onDelete: 'RESTRICT' })
  @JoinColumn({ name: 'user_id', foreignKeyConstraintName: 'fk_password_setter_user' })
  user?: User;

  @PrimaryColumn({ type: 'uuid', primaryKeyConstraintName: 'pk_password_setter' })
  setBy!: string;

  @ManyToOne(() => User, { onDelete: 'RESTRICT' })
  @JoinColumn({ name: 'set_by', foreignKeyConstraintName: 'fk_password_setter_set_by' })
  setter?: User;

  @CreateDateColumn({ type: 'timestamptz' })
  firstSetAt!: Date;
}
