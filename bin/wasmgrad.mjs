#!/usr/bin/env node
// wasmgrad's command line: explain an expression's derivative step by step
// and draw its graph.
//
//   npx wasmgrad explain "1/(1+exp(-(w0*x0+w1*x1+w2)))" --w0 2 --x0 -1 --w1 -3 --x1 -2 --w2 -3 --svg seed.svg
//
// Variables are options named after them (--w0 2, --x0=-1), so the command
// accepts options it does not know and reads them itself. Exit codes: 0 ok,
// 1 an unexpected failure, 2 bad input (a malformed expression, a missing or
// non-numeric variable).

import { readFileSync, writeFileSync } from 'node:fs';
import { Command, CommanderError, Option } from 'commander';

const packageJson = JSON.parse(readFileSync(new URL('../package.json', import.meta.url), 'utf8'));

class UsageError extends Error {}

const VARIABLE = /^--([A-Za-z_][A-Za-z0-9_]*)(?:=([\s\S]*))?$/;

function parseNumber(text, what) {
  const x = typeof text === 'string' && text.trim() !== '' ? Number(text) : NaN;
  if (Number.isNaN(x) && text?.trim() !== 'NaN') throw new UsageError(`${what}: expected a number, got ${JSON.stringify(text ?? '')}`);
  return x;
}

/** The expression and the variables from what commander left over: operands and unknown options, in order. */
function readArguments(args, extra) {
  let expression;
  const variables = new Map();
  const set = (name, text, what) => {
    if (variables.has(name)) throw new UsageError(`${what}: the variable ${name} is given twice`);
    variables.set(name, parseNumber(text, what));
  };
  for (const pair of extra ?? []) {
    const eq = pair.indexOf('=');
    const name = eq < 0 ? '' : pair.slice(0, eq);
    if (!/^[A-Za-z_][A-Za-z0-9_]*$/.test(name)) throw new UsageError(`--var ${pair}: expected name=value, e.g. --var x=1.5`);
    set(name, pair.slice(eq + 1), `--var ${name}`);
  }
  let optionsEnded = false;
  for (let i = 0; i < args.length; i++) {
    const arg = args[i];
    if (arg === '--' && !optionsEnded) {
      optionsEnded = true;
      continue;
    }
    const m = optionsEnded ? null : VARIABLE.exec(arg);
    if (m !== null) {
      const name = m[1];
      let text = m[2];
      if (text === undefined) {
        if (i + 1 >= args.length) throw new UsageError(`--${name}: the variable needs a value, e.g. --${name} 1.5`);
        text = args[++i];
      }
      set(name, text, `--${name}`);
    } else if (expression === undefined) {
      expression = arg;
    } else {
      throw new UsageError(`unexpected argument ${JSON.stringify(arg)} (one expression only; quote it if it has spaces, and give variables as --name value)`);
    }
  }
  if (expression === undefined) throw new UsageError('no expression given, e.g. wasmgrad explain "x*y+1" --x 2 --y 3');
  return { expression, variables };
}

async function loadLibrary() {
  try {
    const [core, viz] = await Promise.all([import('../dist/index.js'), import('../dist/viz/index.js')]);
    return { ...core, ...viz };
  } catch (err) {
    throw new Error(`could not load wasmgrad's build (dist/): run \`npm run build\` first (${err.message})`, { cause: err });
  }
}

async function explainCommand(args, options) {
  const { expression, variables } = readArguments(args, options.var);
  const lib = await loadLibrary();
  let parsed;
  try {
    parsed = lib.parseExpression(expression);
  } catch (err) {
    if (err instanceof lib.ExpressionError) throw new UsageError(err.message);
    throw err;
  }
  const used = lib.expressionVariables(parsed);
  const missing = used.filter((name) => !variables.has(name));
  if (missing.length > 0) {
    // The builder's error points at the first use of the first missing variable.
    let where = `missing value${missing.length === 1 ? '' : 's'} for ${missing.join(', ')}`;
    try {
      lib.buildExpression(await lib.createEngine({ backend: 'js' }), parsed, Object.fromEntries(variables));
    } catch (err) {
      if (!(err instanceof lib.ExpressionError)) throw err;
      where = err.message;
    }
    throw new UsageError(`${where}\ngive each variable as --name value: ${missing.map((name) => `--${name} <number>`).join(' ')}`);
  }
  for (const name of variables.keys()) {
    if (!used.includes(name)) process.stderr.write(`wasmgrad: note: --${name} is not used by the expression\n`);
  }

  const eng = await lib.createEngine({ backend: options.backend });
  const output = lib.buildExpression(eng, parsed, Object.fromEntries(variables));
  output.backward();
  const digits = options.digits;
  process.stdout.write(lib.explain(output, { expression, digits }));

  // The explanation works the chain rule out itself; check it against the engine's backward().
  const steps = lib.explainSteps(output);
  const graph = lib.walkGraph(output);
  const disagree = steps.steps.filter((s) => {
    const engine = graph.byKey.get(s.key).grad;
    return !(Math.abs(engine - s.grad) <= 1e-9 * Math.max(1, Math.abs(engine))) && !(Number.isNaN(engine) && Number.isNaN(s.grad));
  });
  process.stdout.write(
    disagree.length === 0
      ? `\nThe ${eng.backend} engine's backward() gives the same ${steps.steps.length} gradients.\n`
      : `\nThe ${eng.backend} engine's backward() differs for ${disagree.map((s) => s.node).join(', ')}.\n`,
  );

  const picture = { autoNames: true, digits, title: `${steps.output} = ${expression}` };
  if (options.dot !== undefined) write(options.dot, lib.toDot(output, picture));
  if (options.mermaid !== undefined) write(options.mermaid, lib.toMermaid(output, picture));
  if (options.svg !== undefined) write(options.svg, await lib.toSvg(output, picture));
}

function write(file, text) {
  writeFileSync(file, text);
  process.stderr.write(`wasmgrad: wrote ${file}\n`);
}

const program = new Command('wasmgrad')
  .description('wasmgrad: automatic differentiation with a WebAssembly core')
  .version(packageJson.version)
  .exitOverride(); // usage errors reach the catch below, to exit with 2

program
  .command('explain')
  .description('build the graph of an expression, run backward(), and explain the chain rule step by step')
  .argument('<expression>', 'numbers, variables, + - * / ^, unary minus, parentheses, and the scalar ops as functions: exp(x), log1p(x), erf(x), pow(a, b), atan2(y, x)… (docs/ops.md)')
  .addOption(new Option('-b, --backend <backend>', 'engine backend').choices(['wasm', 'js']).default('wasm'))
  .option('--svg <file>', 'write the graph as SVG (Graphviz compiled to Wasm)')
  .option('--dot <file>', 'write the graph as Graphviz DOT')
  .option('--mermaid <file>', 'write the graph as a Mermaid flowchart')
  .option('--digits <n>', 'significant digits', (text) => {
    const n = Number(text);
    if (!Number.isInteger(n) || n < 1 || n > 17) throw new UsageError(`--digits: expected an integer from 1 to 17, got ${JSON.stringify(text)}`);
    return n;
  }, 4)
  .option('--var <name=value>', 'a variable, for names that clash with the options above (repeatable)', (pair, list = []) => [...list, pair])
  .allowUnknownOption()
  .allowExcessArguments()
  .addHelpText(
    'after',
    `
Each variable of the expression is an option named after it: --NAME VALUE or --NAME=VALUE
(negative values work: --x0 -1). An expression that starts with '-' may follow '--'.

Example:
  $ wasmgrad explain "1/(1+exp(-(w0*x0+w1*x1+w2)))" --w0 2 --x0 -1 --w1 -3 --x1 -2 --w2 -3 --svg seed.svg

Exit codes: 0 ok, 2 a malformed expression or a missing or bad variable, 1 anything else.`,
  )
  .action(async (_expression, options, command) => {
    await explainCommand(command.args, options);
  });

// `wasmgrad explain ... | head` closes stdout early: stop quietly.
process.stdout.on('error', (err) => {
  if (err.code === 'EPIPE') process.exit(0);
  throw err;
});

try {
  await program.parseAsync(process.argv);
} catch (err) {
  if (err instanceof CommanderError) {
    // commander has printed its message (or the help, or the version) already.
    process.exitCode = err.exitCode === 0 ? 0 : 2;
  } else if (err instanceof UsageError) {
    process.stderr.write(`wasmgrad: ${err.message}\n`);
    process.exitCode = 2;
  } else {
    process.stderr.write(`wasmgrad: ${err instanceof Error ? err.message : String(err)}\n`);
    process.exitCode = 1;
  }
}
