// Every op: forward value and gradient against closed forms and against
// central differences in f64, on a grid of points that includes 0,
// negatives and large magnitudes where the op is defined there.
import { describe, expect, it } from 'vitest';
import { Op, OP_INFO, OP_NAMES, type Engine, type Value } from '../src/index.js';
import { WasmTape } from '../src/wasm/tape.js';
import { BACKENDS, centralDifference, engine, expectClose } from './helpers.js';

interface UnaryCase {
  apply: (v: Value) => Value;
  f: (x: number) => number;
  df: (x: number) => number;
  grid: number[];
  /** Points where f has a kink: the gradient there is a convention, not a limit, so gradcheck skips them. */
  kinks?: number[];
}

const GRID = [-20, -3, -1, -0.5, -1e-3, 0, 1e-3, 0.5, 1, 3, 20];
const POSITIVE = [1e-3, 0.1, 0.5, 1, 3, 20, 1e4];

const sigmoid = (x: number) => 1 / (1 + Math.exp(-x));

const unary: Record<string, UnaryCase> = {
  neg: { apply: (v) => v.neg(), f: (x) => -x, df: () => -1, grid: GRID },
  exp: { apply: (v) => v.exp(), f: Math.exp, df: Math.exp, grid: GRID },
  log: { apply: (v) => v.log(), f: Math.log, df: (x) => 1 / x, grid: POSITIVE },
  sqrt: { apply: (v) => v.sqrt(), f: Math.sqrt, df: (x) => 0.5 / Math.sqrt(x), grid: POSITIVE },
  tanh: { apply: (v) => v.tanh(), f: Math.tanh, df: (x) => 1 - Math.tanh(x) ** 2, grid: GRID },
  sigmoid: { apply: (v) => v.sigmoid(), f: sigmoid, df: (x) => sigmoid(x) * (1 - sigmoid(x)), grid: GRID },
  relu: { apply: (v) => v.relu(), f: (x) => Math.max(x, 0), df: (x) => (x > 0 ? 1 : 0), grid: GRID, kinks: [0] },
  sin: { apply: (v) => v.sin(), f: Math.sin, df: Math.cos, grid: GRID },
  cos: { apply: (v) => v.cos(), f: Math.cos, df: (x) => -Math.sin(x), grid: GRID },
  abs: { apply: (v) => v.abs(), f: Math.abs, df: (x) => Math.sign(x), grid: GRID, kinks: [0] },
  'pow 3 (number exponent)': { apply: (v) => v.pow(3), f: (x) => x ** 3, df: (x) => 3 * x ** 2, grid: GRID },
  'pow -2 (number exponent)': { apply: (v) => v.pow(-2), f: (x) => x ** -2, df: (x) => -2 * x ** -3, grid: GRID.filter((x) => x !== 0) },
  'pow 0.5 (number exponent)': { apply: (v) => v.pow(0.5), f: Math.sqrt, df: (x) => 0.5 / Math.sqrt(x), grid: POSITIVE },
  'add number': { apply: (v) => v.add(2.5), f: (x) => x + 2.5, df: () => 1, grid: GRID },
  'number sub (2 - x)': { apply: (v) => v.engine.sub(2, v), f: (x) => 2 - x, df: () => -1, grid: GRID },
  'number div (2 / x)': { apply: (v) => v.engine.div(2, v), f: (x) => 2 / x, df: (x) => -2 / (x * x), grid: GRID.filter((x) => x !== 0) },
  'number pow (2 ** x)': { apply: (v) => v.engine.pow(2, v), f: (x) => 2 ** x, df: (x) => 2 ** x * Math.LN2, grid: GRID },
};

interface BinaryCase {
  apply: (x: Value, y: Value) => Value;
  f: (x: number, y: number) => number;
  dx: (x: number, y: number) => number;
  dy: (x: number, y: number) => number;
  grid: [number, number][];
}

const PAIRS: [number, number][] = [[-3, 2], [0.5, -1.5], [2, 0.25], [-1e-3, 7], [10, -10], [0, 3], [3, 0]];
const POSITIVE_PAIRS: [number, number][] = [[0.5, 2], [2, -1.5], [3, 0.5], [1e-3, 2], [7, 0]];

const binary: Record<string, BinaryCase> = {
  add: { apply: (x, y) => x.add(y), f: (x, y) => x + y, dx: () => 1, dy: () => 1, grid: PAIRS },
  sub: { apply: (x, y) => x.sub(y), f: (x, y) => x - y, dx: () => 1, dy: () => -1, grid: PAIRS },
  mul: { apply: (x, y) => x.mul(y), f: (x, y) => x * y, dx: (_, y) => y, dy: (x) => x, grid: PAIRS },
  div: {
    apply: (x, y) => x.div(y),
    f: (x, y) => x / y,
    dx: (_, y) => 1 / y,
    dy: (x, y) => -x / (y * y),
    grid: PAIRS.filter(([, y]) => y !== 0),
  },
  pow: {
    apply: (x, y) => x.pow(y),
    f: (x, y) => x ** y,
    dx: (x, y) => y * x ** (y - 1),
    dy: (x, y) => x ** y * Math.log(x),
    grid: POSITIVE_PAIRS,
  },
};

describe('op table', () => {
  it('has the same ids and arities in TypeScript and in the Wasm core', async () => {
    const eng = await engine('wasm');
    const core = (eng.tape as WasmTape).core;
    expect(core.opCount()).toBe(OP_NAMES.length);
    for (const name of OP_NAMES) expect(core.opArity(Op[name]), name).toBe(OP_INFO[name].arity);
    expect(core.opArity(OP_NAMES.length)).toBe(-1);
    expect(core.opArity(-1)).toBe(-1);
  });
});

describe.each(BACKENDS)('ops (%s)', (backend) => {
  let eng: Engine;

  describe.each(Object.entries(unary))('%s', (_, c) => {
    it('matches the closed form value and gradient', async () => {
      eng ??= await engine(backend);
      for (const x of c.grid) {
        eng.reset();
        const v = eng.value(x);
        const out = c.apply(v);
        out.backward();
        expectClose(out.data, c.f(x), { rtol: 1e-14, atol: 1e-300 }, `f(${x})`);
        expectClose(v.grad, c.df(x), { rtol: 1e-13, atol: 1e-300 }, `f'(${x})`);
      }
    });

    it('agrees with central differences', async () => {
      eng ??= await engine(backend);
      for (const x of c.grid) {
        if (c.kinks?.includes(x)) continue;
        eng.reset();
        const v = eng.value(x);
        c.apply(v).backward();
        const fd = centralDifference(c.f, x);
        expectClose(v.grad, fd, { rtol: 1e-6, atol: 1e-7 }, `gradcheck at ${x}`);
      }
    });
  });

  describe.each(Object.entries(binary))('%s', (_, c) => {
    it('matches the closed form value and gradients', async () => {
      eng ??= await engine(backend);
      for (const [x, y] of c.grid) {
        eng.reset();
        const vx = eng.value(x);
        const vy = eng.value(y);
        const out = c.apply(vx, vy);
        out.backward();
        expectClose(out.data, c.f(x, y), { rtol: 1e-14, atol: 1e-300 }, `f(${x}, ${y})`);
        expectClose(vx.grad, c.dx(x, y), { rtol: 1e-13, atol: 1e-300 }, `∂x(${x}, ${y})`);
        expectClose(vy.grad, c.dy(x, y), { rtol: 1e-13, atol: 1e-300 }, `∂y(${x}, ${y})`);
      }
    });

    it('agrees with central differences', async () => {
      eng ??= await engine(backend);
      for (const [x, y] of c.grid) {
        eng.reset();
        const vx = eng.value(x);
        const vy = eng.value(y);
        c.apply(vx, vy).backward();
        expectClose(vx.grad, centralDifference((t) => c.f(t, y), x), { rtol: 1e-6, atol: 1e-7 }, `∂x at (${x}, ${y})`);
        expectClose(vy.grad, centralDifference((t) => c.f(x, t), y), { rtol: 1e-6, atol: 1e-7 }, `∂y at (${x}, ${y})`);
      }
    });
  });

  describe('edge cases', () => {
    it('takes the limit where the pow formula gives 0·∞', async () => {
      eng ??= await engine(backend);
      eng.reset();
      const x = eng.value(0);
      const y = eng.value(2);
      x.pow(y).backward();
      expect(x.grad).toBe(0); // 2·0^1
      expect(y.grad).toBe(0); // 0^2·ln 0 → 0 (x = 0, y ≥ 0)
      eng.reset();
      const z = eng.value(5);
      z.pow(0).backward();
      expect(z.grad).toBe(0);
    });

    it('uses the subgradient 0 for abs and relu at 0', async () => {
      eng ??= await engine(backend);
      eng.reset();
      const x = eng.value(0);
      x.abs().add(x.relu()).backward();
      expect(x.grad).toBe(0);
    });

    it('computes tanh within 1 ulp (Wasm) or 2 ulp (V8, the JS twin) of a 60-digit reference for |x| < 1/4', async () => {
      eng ??= await engine(backend);
      const bound = backend === 'wasm' ? 1 : 2;
      for (const [x, reference] of TANH_REFERENCE) {
        eng.reset();
        expect(ulpDistance(eng.value(x).tanh().data, reference), `tanh(${x})`).toBeLessThanOrEqual(bound);
      }
    });

    it('keeps sigmoid finite and exact at extreme inputs', async () => {
      eng ??= await engine(backend);
      eng.reset();
      const lo = eng.value(-800).sigmoid();
      const hi = eng.value(800).sigmoid();
      expect(lo.data).toBe(0);
      expect(hi.data).toBe(1);
      const v = eng.value(-40);
      const s = v.sigmoid();
      s.backward();
      expectClose(s.data, Math.exp(-40) / (1 + Math.exp(-40)), { rtol: 1e-14 }, 'σ(-40)');
      expectClose(v.grad, s.data * (1 - s.data), { rtol: 1e-14 }, "σ'(-40)");
    });

    it('lets NaN and ±Infinity flow through as IEEE 754 says', async () => {
      eng ??= await engine(backend);
      eng.reset();
      expect(eng.value(NaN).relu().data).toBeNaN();
      expect(eng.value(-1).log().data).toBeNaN();
      expect(eng.value(0).log().data).toBe(-Infinity);
      expect(eng.value(1000).exp().data).toBe(Infinity);
      expect(eng.value(Infinity).tanh().data).toBe(1);
      expect(eng.value(1).div(0).data).toBe(Infinity);
      const x = eng.value(0);
      const y = x.sqrt();
      y.backward();
      expect(y.data).toBe(0);
      expect(x.grad).toBe(Infinity);
      const n = eng.value(NaN);
      n.abs().backward();
      expect(n.grad).toBeNaN();
    });
  });
});

/** How many doubles lie between a and b (0 when equal), for two finite numbers of the same sign. */
function ulpDistance(a: number, b: number): number {
  const view = new DataView(new ArrayBuffer(16));
  view.setFloat64(0, a);
  view.setFloat64(8, b);
  return Math.abs(Number(view.getBigInt64(0) - view.getBigInt64(8)));
}

// tanh at points in (-1/4, 1/4), each with its correctly rounded value from a
// 60-digit evaluation ((e^2x - 1)/(e^2x + 1) with Python's decimal, or the
// series for |x| < 1e-6).
const TANH_REFERENCE: [number, number][] = [
  [-3.089339096382803e-10, -3.089339096382803e-10],
  [0.244943983872086, 0.24016008010301962],
  [-0.17328410509014058, -0.17157026439043307],
  [-6.723796209797256e-06, -6.72379620969593e-06],
  [0.034307570874558935, 0.03429411709725478],
  [0.23479961948856387, 0.23057779449325685],
  [-0.08818258147033142, -0.0879547160322011],
  [0.06128732488703231, 0.06121070548909529],
  [0.00031243892080756367, 0.00031243891064100163],
  [-0.12431015115681598, -0.12367376236196598],
  [0.04459239148795224, 0.04456285793179984],
  [-0.19004675293690343, -0.18779131043190242],
  [-0.04520676294774789, -0.04517599247944071],
  [-0.15148804216968187, -0.150339767363495],
  [0.07096871504559715, 0.07084980856294376],
  [-0.20274248655443833, -0.20000953518139994],
  [-0.1489410306723748, -0.1478493753078574],
  [-0.02812042580814228, -0.028113015998065545],
  [0.22167846646454847, 0.21811725865132767],
  [-0.13025650298687946, -0.1295247917002492],
  [0.10857663168375536, 0.10815196828824918],
  [0.2137703360862397, 0.21057250200125105],
  [0.19217860511489526, 0.18984715545603373],
  [0.15998479050561754, 0.158633677580397],
  [0.11958208247092611, 0.11901532117460752],
  [-0.17345471806765123, -0.1717358502950077],
  [-0.04616787431367003, -0.04613510040274377],
  [0.14459300125386848, 0.14359368239952325],
  [-0.04672207604440781, -0.04668810834819091],
  [-1.1479621823653703e-10, -1.1479621823653703e-10],
  [-1.039586889364776e-08, -1.039586889364776e-08],
  [-0.18774477694182912, -0.18556955842769246],
  [0.20518771921463402, 0.20235579704651216],
  [-0.04307510383745111, -0.043048482152498645],
  [0.14870212377715142, 0.14761568253294008],
  [-0.09481818632343297, -0.09453505055483016],
  [-0.00354445084903543, -0.003544436005975603],
  [0.1852447051077415, 0.1831544637992565],
  [-0.1692190643391711, -0.1676221517994384],
  [0.13244650545465136, 0.13167743915508465],
  [0.10059935696319977, 0.1002613622335263],
  [-0.07322443944143547, -0.07309384746635586],
  [-0.16581091020313915, -0.16430787664947286],
  [-0.06994170491973434, -0.06982787971526136],
  [0.04846280503175343, 0.048424900024610695],
  [0.022552184031137734, 0.02254836145431789],
  [-0.16562857928923136, -0.16413046282446037],
  [-0.22429422424296808, -0.22060714512774424],
  [-0.2063615544778707, -0.20348129839769133],
  [0.23932216769470227, 0.23485540650759615],
  [0.011085886393272848, 0.011085432275324075],
  [-0.014976737217404057, -0.014975617543875174],
  [-0.012908571012527015, -0.012907854070062903],
  [-0.21483976569357865, -0.2115942817805038],
  [0.24571780826393824, 0.2408891370958729],
  [-0.12304837783896488, -0.12243109486211005],
  [-0.07068666525494705, -0.07056916897569505],
  [-0.101774362475552, -0.10142441863787822],
  [-0.09089100030459707, -0.0906415358323495],
  [0.06801119118446797, 0.06790652241606432],
  [1e-300, 1e-300],
  [0.1, 0.09966799462495582],
  [-0.1, -0.09966799462495582],
  [0.043, 0.0429735172531338],
  [0.2, 0.197375320224904],
  [0.24, 0.23549574953849794]
];
