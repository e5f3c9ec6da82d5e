// The shape of registry/generate.mjs, for the TypeScript that runs it (the tests).

export const ROOT: string;

/** A generated file: its path in the repository and the text it must have. */
export interface Generated {
  readonly path: string;
  readonly content: string;
}

/**
 * Every generated file as it should be. `read(path)` returns a file's current
 * text, for the files of which only the marked sections are generated.
 */
export function generate(read?: (path: string) => string): Generated[];

/** The generated files whose text (as `read` gives it, null if missing) is not what generate() makes now. */
export function staleFiles(read?: (path: string) => string | null): Generated[];

/** Ops with a method but no `### Name` note in the text of docs/ops.md. */
export function opsWithoutNotes(doc: string): string[];

/**
 * One rule of op `name` (kind 'vjp' or 'jvp', in the language of
 * registry/ops.mjs) as the TypeScript src/generated/rules.ts gets, after the
 * checks npm run gen makes; throws, naming the op, where they fail.
 */
export function compileRuleFor(name: string, kind: 'vjp' | 'jvp', text: string): string;
