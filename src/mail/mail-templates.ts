import Handlebars from 'handlebars';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { templatesDir } from '../common/project-root';
import type { MessageKind } from './outbox-message.entity';

export interface RenderedMail {
  subject: string;
  text: string;
  html: string;
}

/** What each message says, by kind: the values its template reads. */
export interface MessageData {
  INVITATION: { inviter: string; role: string; link: string; expires: string };
  PASSWORD_RESET: { link: string; expires: string };
  /** `redemptions`, `cheques`: counted in words ("3 encaissements"). */
  CLAIM_SUBMITTED: { association: string; amount: string; redemptions: string; link: string };
  STATEMENT_ISSUED: {
    number: string;
    association: string;
    amount: string;
    cheques: string;
    link: string;
  };
  STATEMENT_PAID: {
    number: string;
    association: string;
    amount: string;
    paidOn: string;
    reference: string;
    link: string;
  };
  ACCREDITATION_EXPIRING: { association: string; until: string; contact: string };
  PROGRAMME_ENDING: { programme: string; expires: string; link: string };
  /** `change`: what happened, a sentence ("Une application d'authentification a été ajoutée"). */
  SECOND_FACTOR_CHANGED: { change: string; when: string; link: string };
}

const FILES: Record<MessageKind, string> = {
  INVITATION: 'invitation.txt',
  PASSWORD_RESET: 'password-reset.txt',
  CLAIM_SUBMITTED: 'claim-submitted.txt',
  STATEMENT_ISSUED: 'statement-issued.txt',
  STATEMENT_PAID: 'statement-paid.txt',
  ACCREDITATION_EXPIRING: 'accreditation-expiring.txt',
  PROGRAMME_ENDING: 'programme-ending.txt',
  SECOND_FACTOR_CHANGED: 'second-factor-changed.txt',
};

type Compiled = { subject: HandlebarsTemplateDelegate; body: HandlebarsTemplateDelegate };
const cache = new Map<MessageKind, Compiled>();

/**
 * A template of templates/mail: its first line is the subject, then a blank line, then the plain
 * text. `strict`: a value the template reads and the caller did not give is an error, not a blank.
 */
function compiled(kind: MessageKind): Compiled {
  let c = cache.get(kind);
  if (!c) {
    const source = readFileSync(join(templatesDir(), 'mail', FILES[kind]), 'utf8');
    const [subject, blank, ...body] = source.split('\n');
    if (blank !== '' || !subject) throw new Error(`templates/mail/${FILES[kind]}: subject line`);
    const options = { noEscape: true, strict: true };
    c = {
      subject: Handlebars.compile(subject, options),
      body: Handlebars.compile(body.join('\n'), options),
    };
    cache.set(kind, c);
  }
  return c;
}

/** Every template, compiled once (at start: a broken one stops the service there). */
export function compileAllMailTemplates(): void {
  for (const kind of Object.keys(FILES) as MessageKind[]) compiled(kind);
}

const escapeHtml = (s: string) => Handlebars.escapeExpression(s);

/**
 * The simple HTML part, made from the text (one source for both): each paragraph a <p>, every
 * character escaped, a line that is a web address a link.
 */
export function htmlOf(subject: string, text: string): string {
  const paragraphs = text
    .trim()
    .split(/\n{2,}/)
    .map(
      (p) =>
        `<p>${p
          .split('\n')
          .map((line) =>
            /^https?:\/\/\S+$/.test(line)
              ? `<a href="${escapeHtml(line)}">${escapeHtml(line)}</a>`
              : escapeHtml(line),
          )
          .join('<br>\n')}</p>`,
    );
  return `<!doctype html>
<html lang="fr"><head><meta charset="utf-8"><title>${escapeHtml(subject)}</title></head>
<body style="font-family: Arial, sans-serif; font-size: 16px; line-height: 1.5; color: #1a1a1a; max-width: 40em">
${paragraphs.join('\n')}
</body></html>
`;
}

/** A message of `kind` written from its values: subject, text, and the HTML made from the text. */
export function renderMail<K extends MessageKind>(kind: K, data: MessageData[K]): RenderedMail {
  const t = compiled(kind);
  // one line, no control characters: a subject is a header
  const subject = t
    .subject(data)
    .replace(/[\r\n\t]+/g, ' ')
    .trim()
    .slice(0, 200);
  const text = t.body(data).trim() + '\n';
  return { subject, text, html: htmlOf(subject, text) };
}
