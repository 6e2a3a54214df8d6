import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { templatesDir } from './project-root';

/** Replaces {{name}} with values[name]. */
export function fill(template: string, values: Record<string, string | number | null>): string {
  return template.replace(/\{\{(\w+)\}\}/g, (_m, key: string) => String(values[key] ?? ''));
}

/** A JSON layout from templates/. */
export function loadLayout<T>(file: string, dir = templatesDir()): T {
  return JSON.parse(readFileSync(join(dir, file), 'utf8')) as T;
}
