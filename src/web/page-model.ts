import type { Actor, Role } from '../common/access/role';

interface NavItem {
  href: string;
  label: string;
}

const NAV: Record<Role, NavItem[]> = {
  ADMIN: [
    { href: '/agent', label: 'Tableau de bord' },
    { href: '/agent/statistiques', label: 'Indicateurs' },
    { href: '/admin/dispositifs', label: 'Dispositifs' },
    { href: '/agent/carnets', label: 'Carnets' },
    { href: '/agent/lots', label: "Lots d'impression" },
    { href: '/stock', label: 'Stock' },
    { href: '/admin/lieux', label: 'Lieux de remise' },
    { href: '/admin/structures', label: 'Structures' },
    { href: '/admin/etats', label: 'Remboursements' },
    { href: '/admin/utilisateurs', label: 'Utilisateurs' },
    { href: '/admin/demandes-acces', label: 'Demandes d’accès' },
    { href: '/admin/messages', label: 'Messages' },
    { href: '/admin/journal', label: 'Journal' },
  ],
  AGENT: [
    { href: '/agent', label: 'Tableau de bord' },
    { href: '/agent/statistiques', label: 'Indicateurs' },
    { href: '/admin/dispositifs', label: 'Dispositifs' },
    { href: '/agent/carnets', label: 'Carnets' },
    { href: '/agent/lots', label: "Lots d'impression" },
    { href: '/stock', label: 'Stock' },
    { href: '/remise', label: 'Remettre un carnet' },
    { href: '/admin/etats', label: 'Remboursements' },
  ],
  PRESCRIBER: [
    { href: '/remise', label: 'Remettre un carnet' },
    { href: '/stock', label: 'Stock' },
  ],
  ASSOCIATION: [
    { href: '/structure/encaisser', label: 'Encaisser' },
    { href: '/structure/encaissements', label: 'Encaissements' },
    { href: '/structure/demandes', label: 'Demandes de remboursement' },
    { href: '/structure/etats', label: 'États' },
    { href: '/structure/paiements', label: 'Paiements' },
    { href: '/structure/collegues', label: 'Collègues' },
  ],
};

/** Where each role lands after signing in. */
export const HOME: Record<Role, string> = {
  ADMIN: '/agent',
  AGENT: '/agent',
  PRESCRIBER: '/remise',
  ASSOCIATION: '/structure/encaisser',
};

/** What every signed-in page's layout needs: the user, the menu of the role, the title. */
export function pageModel<T extends object>(actor: Actor, title: string, current: string, data: T) {
  return {
    title,
    user: { email: actor.email, role: actor.role },
    nav: NAV[actor.role].map((n) => ({ ...n, current: n.href === current })),
    ...data,
  };
}

/** The confirmation shown after a successful action (`?fait=<key>`), from the page's messages. */
export function flashMessage(
  messages: Record<string, string>,
  done?: string,
): { kind: 'ok'; text: string } | undefined {
  return done && Object.hasOwn(messages, done) ? { kind: 'ok', text: messages[done] } : undefined;
}
