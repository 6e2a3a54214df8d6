import { Injectable } from '@nestjs/common';
import { randomBytes } from 'node:crypto';
import { EntityManager } from 'typeorm';
import { violatedConstraint } from '../database/sql';
import { FieldError } from '../common/errors/domain-error';
import { ValidationFailedError } from '../common/errors/common.errors';
import { Beneficiary } from './beneficiary.entity';
import { BeneficiaryInputDto } from './dto/beneficiary.dto';
import { BENEFICIARY_ERRORS } from './beneficiary.errors';

@Injectable()
export class BeneficiariesService {
  /**
   * Records a beneficiary within the issuing transaction. Names are refused unless the programme
   * allows them; without a reference a pseudonymous one is generated.
   */
  async create(
    em: EntityManager,
    input: BeneficiaryInputDto,
    allowNames: boolean,
    field = 'beneficiary',
  ): Promise<Beneficiary> {
    if (!allowNames) {
      const errors: FieldError[] = [];
      if (input.firstName !== undefined)
        errors.push({
          field: `${field}.firstName`,
          message: 'this programme does not collect names',
          fr: 'ce dispositif ne recueille pas les noms',
        });
      if (input.lastName !== undefined)
        errors.push({
          field: `${field}.lastName`,
          message: 'this programme does not collect names',
          fr: 'ce dispositif ne recueille pas les noms',
        });
      if (errors.length) throw new ValidationFailedError(errors);
    }
    const beneficiary = em.create(Beneficiary, {
      reference: input.reference ?? `B-${randomBytes(6).toString('hex').toUpperCase()}`,
      postalCode: input.postalCode,
      ageBand: input.ageBand ?? null,
      needCategory: input.needCategory ?? null,
      firstName: input.firstName ?? null,
      lastName: input.lastName ?? null,
    });
    try {
      await em.insert(Beneficiary, beneficiary);
    } catch (err) {
      if (violatedConstraint(err) === 'uq_beneficiary_reference') {
        throw BENEFICIARY_ERRORS.fieldError(
          'BENEFICIARY_REFERENCE_TAKEN',
          `${field}.reference`,
          'reference already used',
        );
      }
      throw err;
    }
    return beneficiary;
  }
}
