/// <reference lib="dom" />
import { readFileSync } from 'node:fs';
import type { Page } from 'playwright-core';

/** axe-core's script, injected into the page under test (the same file at every call). */
const AXE_SOURCE = readFileSync(require.resolve('axe-core/axe.min.js'), 'utf8');

/** The rule sets of RGAA 4.1's reference, WCAG 2.1 levels A and AA. */
const WCAG_21_AA = ['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa'];

export interface AxeFinding {
  page: string;
  width: number;
  rule: string;
  impact: string;
  nodes: string[];
}

/** Runs axe-core on the page as it is now; one finding per violated rule, with its elements. */
export async function axeFindings(page: Page, name: string): Promise<AxeFinding[]> {
  // evaluated through the browser's debugging protocol: the page's CSP stays on for the test
  if (!(await page.evaluate(() => 'axe' in window))) await page.evaluate(AXE_SOURCE);
  const violations = await page.evaluate(async (tags) => {
    const axe = (window as unknown as { axe: { run: (...a: unknown[]) => Promise<unknown> } }).axe;
    const result = (await axe.run(document, { runOnly: { type: 'tag', values: tags } })) as {
      violations: { id: string; impact: string; nodes: { target: string[] }[] }[];
    };
    return result.violations.map((v) => ({
      rule: v.id,
      impact: v.impact,
      nodes: v.nodes.slice(0, 5).map((n) => n.target.join(' ')),
    }));
  }, WCAG_21_AA);
  const width = page.viewportSize()?.width ?? 0;
  return violations.map((v) => ({ page: name, width, ...v }));
}
