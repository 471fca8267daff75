// The README's main example type-checks under strict TypeScript (checkJs)
// against the built declarations: what it does with a result — the eventfd
// counter that may be WOULD_BLOCK, the error a catch receives — is what the
// types allow, so a TypeScript user can copy it. Needs `npm run build`.

import { describe, expect, it } from 'vitest';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import ts from 'typescript';

const root = fileURLToPath(new URL('../..', import.meta.url));

function exampleBlock(): string {
  const readme = readFileSync(join(root, 'README.md'), 'utf8');
  const m = /<!-- readme-example -->\s*```js\n([\s\S]*?)```/.exec(readme);
  if (!m) throw new Error('no readme-example block');
  // The package's entries, as relative imports of the build (its .d.ts files carry the types).
  return m[1]!.replace(/'netpoll-wasm(\/\w+)?'/g, (_, sub: string | undefined) => `'../host${sub ?? ''}/index.js'`);
}

describe('README types', () => {
  it('the API example passes tsc --strict --checkJs', () => {
    const dir = join(root, 'build', 'readme-types');
    mkdirSync(dir, { recursive: true });
    const file = join(dir, 'example.mjs');
    writeFileSync(file, exampleBlock());
    const program = ts.createProgram([file], {
      strict: true,
      allowJs: true,
      checkJs: true,
      noEmit: true,
      target: ts.ScriptTarget.ES2022,
      module: ts.ModuleKind.NodeNext,
      moduleResolution: ts.ModuleResolutionKind.NodeNext,
      types: ['node'],
      typeRoots: [join(root, 'node_modules', '@types')],
    });
    const problems = ts.getPreEmitDiagnostics(program).map((d) => {
      const where = d.file && d.start !== undefined ? d.file.getLineAndCharacterOfPosition(d.start) : null;
      return `${where ? `${where.line + 1}:${where.character + 1} ` : ''}${ts.flattenDiagnosticMessageText(d.messageText, '\n')}`;
    });
    expect(problems).toEqual([]);
  });
});
