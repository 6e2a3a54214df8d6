/** French labels of the codes the API uses, for the pages (the API itself stays in codes). */
export const LABELS = {
  ageBand: {
    UNDER_18: 'Moins de 18 ans',
    '18_24': '18 à 24 ans',
    '25_39': '25 à 39 ans',
    '40_54': '40 à 54 ans',
    '55_64': '55 à 64 ans',
    '65_74': '65 à 74 ans',
    '75_PLUS': '75 ans et plus',
  },
  needCategory: {
    DEVICE_BASICS: 'Prise en main des outils',
    ONLINE_PROCEDURES: 'Démarches en ligne',
    EMPLOYMENT: 'Emploi, formation',
    SOCIAL_CONNECTION: 'Lien social, communication',
    OTHER: 'Autre',
  },
  cancelReason: { LOST: 'Perdu', STOLEN: 'Volé', DAMAGED: 'Abîmé', OTHER: 'Autre motif' },
  bookletStatus: { IN_STOCK: 'En stock', ACTIVE: 'Remis', CANCELLED: 'Annulé' },
  transferStatus: { IN_TRANSIT: 'En cours de transfert', RECEIVED: 'Reçu' },
  siteKind: {
    CCAS: 'CCAS',
    MDS: 'Maison des solidarités',
    FRANCE_SERVICES: 'France Services',
    MEDIATHEQUE: 'Médiathèque',
    OTHER: 'Autre',
  },
  chequeStatus: {
    ISSUED: 'À utiliser',
    REDEEMED: 'Encaissé',
    CANCELLED: 'Annulé',
    EXPIRED: 'Expiré',
    NOT_ACTIVATED: 'Pas encore remis',
  },
  redemptionStatus: { ACTIVE: 'Encaissé', CANCELLED: 'Annulé', REVERSED: 'Régularisé' },
  claimStatus: {
    DRAFT: 'Brouillon',
    SUBMITTED: 'Transmise',
    ISSUED: 'État émis',
    REJECTED: 'Rejetée',
  },
  statementStatus: {
    ISSUED: 'Émis',
    APPROVED: 'Approuvé',
    IN_BATCH: 'Dans un bordereau',
    SENT: 'Envoyé aux finances',
    PAID: 'Payé',
  },
  /** The last step of a claim's money, in the association's words. */
  paymentStep: {
    SUBMITTED: 'Demande transmise',
    ISSUED: 'État émis',
    APPROVED: 'État approuvé',
    IN_BATCH: 'En cours de mise en paiement',
    SENT: 'Transmis au comptable public',
    PAID: 'Payé',
  } as Record<string, string>,
  paymentBatchStatus: {
    PREPARED: 'À approuver',
    APPROVED: 'Approuvé',
    SENT: 'Envoyé aux finances',
    CANCELLED: 'Annulé',
  },
  role: {
    ADMIN: 'Administrateur',
    AGENT: 'Agent du département',
    PRESCRIBER: 'Prescripteur',
    ASSOCIATION: 'Structure',
  },
} as const;

/** [{ value, label }] for a select, with the current value marked. */
export function options<T extends Record<string, string>>(labels: T, selected?: string) {
  return Object.entries(labels).map(([value, label]) => ({
    value,
    label,
    selected: value === selected,
  }));
}

/** Field names as the forms show them. */
export const FIELD_LABELS: Record<string, string> = {
  programmeId: 'Dispositif',
  count: 'Nombre de carnets',
  distributionSite: 'Lieu de distribution',
  'beneficiary.postalCode': 'Code postal',
  'beneficiary.reference': 'Référence',
  'beneficiary.ageBand': "Tranche d'âge",
  'beneficiary.needCategory': 'Besoin',
  'beneficiary.firstName': 'Prénom',
  'beneficiary.lastName': 'Nom',
  reason: 'Motif',
  comment: 'Commentaire',
  email: 'Adresse e-mail',
  password: 'Mot de passe',
  role: 'Rôle',
  associationId: 'Structure',
  name: 'Nom',
  siret: 'SIRET',
  address: 'Adresse',
  postalCode: 'Code postal',
  city: 'Commune',
  iban: 'IBAN',
  bic: 'BIC',
  validFrom: 'Début',
  validUntil: 'Fin',
  upTo: "Jusqu'au",
  paidOn: 'Date de paiement',
  paymentReference: 'Référence du paiement',
  activity: 'Atelier',
  sessionDate: 'Date de la séance',
};
