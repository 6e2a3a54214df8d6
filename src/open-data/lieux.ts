import {
  Adresse,
  Contact,
  Courriel,
  Frais,
  FraisACharge,
  Id,
  LieuMediationNumerique,
  Nom,
  Pivot,
  SchemaLieuMediationNumerique,
  Service,
  Services,
  toSchemaLieuMediationNumerique,
  Typologie,
  Typologies,
} from '@gouvfr-anct/lieux-de-mediation-numerique';
import type { Association } from '../associations/association.entity';

/** Association activities (free text) → the standard's services, by keywords; the basics always. */
const SERVICE_KEYWORDS: [RegExp, Service][] = [
  [/d[ée]marche|administrati/i, Service.AideAuxDemarchesAdministratives],
  [/emploi|insertion|cv\b|professionn/i, Service.InsertionProfessionnelleViaLeNumerique],
  [/s[ée]curi|arnaque|cyber/i, Service.UtilisationSecuriseeDuNumerique],
  [/parent|[ée]ducati|enfant/i, Service.ParentaliteEtEducationAvecLeNumerique],
  [/loisir|cr[ée]ati|photo/i, Service.LoisirsEtCreationsNumeriques],
];

function servicesOf(activities: string[]): Service[] {
  const found = new Set<Service>([Service.MaitriseDesOutilsNumeriquesDuQuotidien]);
  for (const activity of activities)
    for (const [pattern, service] of SERVICE_KEYWORDS)
      if (pattern.test(activity)) found.add(service);
  return [...found];
}

/**
 * One accredited association as a *lieu de médiation numérique*, built with the standard's own
 * library (La MedNum / ANCT): each field goes through the library's validating constructors, so
 * an association whose data does not meet the standard throws a ModelError naming the field.
 * The SIRET is the pivot.
 */
export function toLieu(association: Association, source: string): SchemaLieuMediationNumerique {
  const lieu: LieuMediationNumerique = {
    id: Id(association.id),
    pivot: Pivot(association.siret),
    nom: Nom(association.name),
    adresse: Adresse({
      voie: association.address,
      code_postal: association.postalCode,
      commune: association.city,
    }),
    contact: Contact({
      ...(association.phone ? { telephone: association.phone.replace(/[\s.-]/g, '') } : {}),
      courriels: [Courriel(association.email)],
    }),
    typologies: Typologies([Typologie.ASSO]),
    services: Services(servicesOf(association.activities)),
    frais_a_charge: FraisACharge([Frais.Payant]),
    presentation: {
      resume:
        'Structure habilitée à accepter les chèques Pass numérique du département pour ses ateliers.',
      ...(association.activities.length
        ? { detail: `Ateliers : ${association.activities.join(', ')}.` }
        : {}),
    },
    source,
    date_maj: association.updatedAt,
  };
  return toSchemaLieuMediationNumerique(lieu);
}

/** The standard's columns, in its order, for the CSV. */
export const LIEU_COLUMNS: (keyof SchemaLieuMediationNumerique)[] = [
  'id',
  'pivot',
  'nom',
  'commune',
  'code_postal',
  'code_insee',
  'adresse',
  'complement_adresse',
  'latitude',
  'longitude',
  'typologie',
  'telephone',
  'courriels',
  'site_web',
  'horaires',
  'presentation_resume',
  'presentation_detail',
  'source',
  'structure_parente',
  'date_maj',
  'services',
  'publics_specifiquement_adresses',
  'prise_en_charge_specifique',
  'frais_a_charge',
  'itinerance',
  'modalites_acces',
  'modalites_accompagnement',
  'fiche_acces_libre',
  'prise_rdv',
  'dispositif_programmes_nationaux',
  'formations_labels',
  'autres_formations_labels',
];
