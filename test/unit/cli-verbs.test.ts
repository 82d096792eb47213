/**
 * The CLI's verb declarations (src/cli/**\/*.command.ts) are what `--help` and `--version`
 * load: they must stay free of implementation, or every start-up pays for it. Each one
 * loads its `run` only when it runs, and every `run` of the CLI is declared by one.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { dirname, join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import ts from 'typescript';
import { describe, expect, it } from 'vitest';

const cli = join(dirname(fileURLToPath(import.meta.url)), '..', '..', 'src', 'cli');

function files(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((e) =>
    e.isDirectory() ? files(join(dir, e.name)) : [join(dir, e.name)],
  );
}

interface Imports {
  /** Imports that load code at start-up (type-only ones load nothing). */
  values: string[];
  /** import() calls, loaded when the verb runs. */
  lazy: string[];
}

function importsOf(file: string): Imports {
  const source = ts.createSourceFile(file, readFileSync(file, 'utf8'), ts.ScriptTarget.Latest);
  const out: Imports = { values: [], lazy: [] };
  const visit = (node: ts.Node): void => {
    if (ts.isImportDeclaration(node) && ts.isStringLiteral(node.moduleSpecifier)) {
      const clause = node.importClause;
      const typeOnly =
        clause?.isTypeOnly ||
        (clause?.namedBindings &&
          ts.isNamedImports(clause.namedBindings) &&
          !clause.name &&
          clause.namedBindings.elements.every((e) => e.isTypeOnly));
      if (!typeOnly) out.values.push(node.moduleSpecifier.text);
    }
    if (
      ts.isCallExpression(node) &&
      node.expression.kind === ts.SyntaxKind.ImportKeyword &&
      node.arguments[0] &&
      ts.isStringLiteral(node.arguments[0])
    ) {
      out.lazy.push(node.arguments[0].text);
    }
    ts.forEachChild(node, visit);
  };
  visit(source);
  return out;
}

const all = files(cli).filter((f) => f.endsWith('.ts'));
const declarations = all.filter((f) => f.endsWith('.command.ts'));
const name = (f: string) => relative(cli, f).split('\\').join('/');

describe('CLI verb declarations', () => {
  it('import at start-up only other declarations, the shared flags and verb()', () => {
    const allowed = (spec: string) => /(^|\/)(verb|flags)\.js$|\.command\.js$/.test(spec);
    const heavy = [...declarations, join(cli, 'commands.ts')].flatMap((f) =>
      importsOf(f)
        .values.filter((s) => !allowed(s))
        .map((s) => `${name(f)} imports ${s}`),
    );
    expect(declarations.length).toBeGreaterThan(40);
    expect(heavy).toEqual([]);
    // verb.ts itself loads nothing: yargs and the IO come in as types.
    expect(importsOf(join(cli, 'verb.ts')).values).toEqual([]);
    expect(importsOf(join(cli, 'flags.ts')).values).toEqual([]);
  });

  it('each loads a run beside it, and every run of the CLI is declared', () => {
    const loaded = new Set<string>();
    for (const f of declarations) {
      for (const spec of importsOf(f).lazy) {
        expect(spec, name(f)).toMatch(/^\.\/[a-z-]+\.js$/);
        loaded.add(name(join(dirname(f), spec.replace(/\.js$/, '.ts'))));
      }
    }
    const runs = all
      .filter((f) => !f.endsWith('.command.ts'))
      .filter((f) => /^export async function run\(/m.test(readFileSync(f, 'utf8')))
      .map(name)
      // The program itself and the hook's entry point are not verbs.
      .filter((f) => f !== 'app.ts' && f !== 'hook-entry.ts');
    expect(runs.filter((r) => !loaded.has(r))).toEqual([]);
    expect([...loaded].filter((l) => !runs.includes(l))).toEqual([]);
  });
});
