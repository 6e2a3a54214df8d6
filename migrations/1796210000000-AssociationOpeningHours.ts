import { MigrationInterface, QueryRunner } from 'typeorm';

/** An association's opening hours, as it gives them, shown to the public beside its address. */
export class AssociationOpeningHours1796210000000 implements MigrationInterface {
  name = 'AssociationOpeningHours1796210000000';

  public async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`ALTER TABLE "association" ADD "opening_hours" character varying(300)`);
  }

  public async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`ALTER TABLE "association" DROP COLUMN "opening_hours"`);
  }
}
