import { applyDecorators } from '@nestjs/common';
import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { ZxcvbnFactory } from '@zxcvbn-ts/core';
import { IsOptional, IsString, MaxLength, MinLength } from 'class-validator';
import * as common from '@zxcvbn-ts/language-common';
import * as fr from '@zxcvbn-ts/language-fr';

export const PASSWORD_MIN = 12;
export const PASSWORD_MAX = 128;
/** zxcvbn's score (0 to 4) a password must reach: 3 is "safely unguessable" by an online attack. */
const MIN_SCORE = 3;

let factory: ZxcvbnFactory | undefined;
const estimator = () =>
  (factory ??= new ZxcvbnFactory({
    graphs: common.adjacencyGraphs,
    dictionary: { ...common.dictionary, ...fr.dictionary },
    translations: fr.translations,
  }));

/**
 * Why a password may not be chosen, in French, or null when it may: its length, then how easily
 * it is guessed (zxcvbn with the common and French dictionaries, keyboard patterns, repeats), the
 * account's own e-mail and name counting as known words.
 */
export function passwordWeakness(
  password: string,
  knownWords: (string | null | undefined)[] = [],
): string | null {
  if (password.length < PASSWORD_MIN) return `doit compter au moins ${PASSWORD_MIN} caractères`;
  if (password.length > PASSWORD_MAX) return `ne doit pas dépasser ${PASSWORD_MAX} caractères`;
  const words = knownWords
    .filter((w): w is string => !!w)
    .flatMap((w) => [w, ...w.toLowerCase().split(/[^\p{L}\p{N}]+/u)])
    .filter((w) => w.length >= 3);
  const result = estimator().check(password, words);
  // built on the account's own e-mail or name: the strongest score, or refused
  const ownWords = result.sequence.some(
    (m) => 'dictionaryName' in m && m.dictionaryName === 'userInputs',
  );
  if (result.score >= (ownWords ? 4 : MIN_SCORE)) return null;
  if (ownWords)
    return 'ressemble trop à votre adresse e-mail ou à votre nom : choisissez plutôt quelques mots sans rapport avec vous';
  const hint = result.feedback.warning ?? result.feedback.suggestions[0] ?? null;
  return `est trop facile à deviner${hint ? ` (${hint.replace(/\.$/, '').toLowerCase()})` : ''} : allongez-le, par exemple avec quelques mots sans rapport entre eux`;
}

/**
 * A new password in a request body: its length checked with the others fields (400), its
 * strength by the service on the account it is for (passwordWeakness).
 */
export function IsNewPassword(options: { optional?: boolean; description?: string } = {}) {
  const doc = {
    minLength: PASSWORD_MIN,
    maxLength: PASSWORD_MAX,
    description: `${options.description ? `${options.description}. ` : ''}Also refused when too easy to guess (zxcvbn score below 3)`,
  };
  return applyDecorators(
    ...(options.optional ? [ApiPropertyOptional(doc), IsOptional()] : [ApiProperty(doc)]),
    IsString(),
    MinLength(PASSWORD_MIN),
    MaxLength(PASSWORD_MAX),
  );
}
