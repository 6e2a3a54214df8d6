import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { templatesDir } from '../common/project-root';
import { scriptJson } from './views';

function templates(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((entry) =>
    entry.isDirectory()
      ? templates(join(dir, entry.name))
      : entry.name.endsWith('.hbs')
        ? [join(dir, entry.name)]
        : [],
  );
}

describe('page output', () => {
  it('data written into a script block cannot close it or open markup, and reads back the same', () => {
    const probe = { name: 'Asso</script><meta http-equiv=refresh content=0><h1>&\u2028\u2029' };
    const text = scriptJson(probe);
    expect(text).not.toMatch(/[<>&\u2028\u2029]/);
    expect(JSON.parse(text)).toEqual(probe);
    expect(scriptJson(undefined)).toBe('null');
  });

  it('no template writes unescaped output except the layout around the rendered page', () => {
    const raw = templates(join(templatesDir(), 'views')).flatMap((file) =>
      [...readFileSync(file, 'utf8').matchAll(/\{\{\{\s*([^}]*?)\s*\}\}\}/g)].map(
        (m) => `${file.slice(templatesDir().length + 1)}: ${m[1]}`,
      ),
    );
    expect(raw).toEqual(['views/layout.hbs: body']);
    const ampersand = templates(join(templatesDir(), 'views')).filter((file) =>
      /\{\{~?&/.test(readFileSync(file, 'utf8')),
    );
    expect(ampersand).toEqual([]);
  });

  it('no page or page script writes a plural as "(s)": counts go through French plural rules', () => {
    const files = [
      ...templates(join(templatesDir(), 'views')),
      ...readdirSync(join(templatesDir(), 'assets'))
        .filter((f) => f.endsWith('.js'))
        .map((f) => join(templatesDir(), 'assets', f)),
    ];
    const found = files.flatMap((file) =>
      [...readFileSync(file, 'utf8').matchAll(/[a-zàâçéèêëîïôûù]\(s\)/gi)].map(
        (m) => `${file.slice(templatesDir().length + 1)}: ${m[0]}`,
      ),
    );
    expect(found).toEqual([]);
  });
});
