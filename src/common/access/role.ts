export const ROLES = ['ADMIN', 'AGENT', 'PRESCRIBER', 'ASSOCIATION'] as const;
export type Role = (typeof ROLES)[number];

/** The authenticated caller, as guards attach it to the request and services receive it. */
export interface Actor {
  id: string;
  role: Role;
  associationId: string | null;
  /** The distribution sites a prescriber acts on (empty for every other role). */
  siteIds: string[];
  email: string;
}
