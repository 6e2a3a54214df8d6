export const ROLES = ['ADMIN', 'AGENT', 'PRESCRIBER', 'ASSOCIATION'] as const;
export type Role = (typeof ROLES)[number];

/** The roles as people read them. */
export const ROLE_LABELS: Record<Role, string> = {
  ADMIN: 'Administrateur',
  AGENT: 'Agent du département',
  PRESCRIBER: 'Prescripteur',
  ASSOCIATION: 'Structure',
};

/** The authenticated caller, as guards attach it to the request and services receive it. */
export interface Actor {
  id: string;
  role: Role;
  associationId: string | null;
  /** The distribution sites a prescriber acts on (empty for every other role). */
  siteIds: string[];
  email: string;
}
