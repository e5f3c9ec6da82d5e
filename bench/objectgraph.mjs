// A micrograd-style object-graph autograd engine, the way scalar autograd is
// usually written in JavaScript: micrograd's engine.py translated to JS.
//
// Every node is an object holding its value, its gradient, the array of its
// parents and a closure that pushes its gradient into them. backward() builds
// a topological order by depth-first search from the root, then calls the
// closures in reverse order. The sort is iterative (an explicit stack instead
// of micrograd's recursive build_topo), so a chain of 10^6 nodes does not
// overflow the call stack; otherwise the algorithm is micrograd's, including
// the Set of visited nodes.
//
// This is the baseline of bench/chain.mjs and bench/moons.mjs; it is meant to
// be a fair, idiomatic implementation, not a strawman. `backwardMarked()` is a
// tuned variant (a per-node visit stamp instead of the Set) used only as a
// diagnostic. Below the engine, micrograd's nn.py: Neuron, Layer, MLP.

const NO_PARENTS = Object.freeze([]);
function noop() {}

let stampCounter = 0;

export class Value {
  constructor(data, prev = NO_PARENTS, op = '') {
    this.data = data;
    this.grad = 0;
    this._prev = prev;
    this._backward = noop;
    this._op = op;
    this._stamp = 0; // used by backwardMarked() only
  }

  add(other) {
    other = other instanceof Value ? other : new Value(other);
    const out = new Value(this.data + other.data, [this, other], '+');
    out._backward = () => {
      this.grad += out.grad;
      other.grad += out.grad;
    };
    return out;
  }

  mul(other) {
    other = other instanceof Value ? other : new Value(other);
    const out = new Value(this.data * other.data, [this, other], '*');
    out._backward = () => {
      this.grad += other.data * out.grad;
      other.grad += this.data * out.grad;
    };
    return out;
  }

  pow(n) {
    if (typeof n !== 'number') throw new TypeError('pow: only number exponents are supported');
    const out = new Value(this.data ** n, [this], `**${n}`);
    out._backward = () => {
      this.grad += n * this.data ** (n - 1) * out.grad;
    };
    return out;
  }

  relu() {
    const out = new Value(this.data < 0 ? 0 : this.data, [this], 'ReLU');
    out._backward = () => {
      this.grad += (out.data > 0 ? 1 : 0) * out.grad;
    };
    return out;
  }

  // micrograd's __neg__, __sub__, __truediv__: compositions, as in engine.py.
  neg() {
    return this.mul(-1);
  }

  sub(other) {
    return this.add(other instanceof Value ? other.neg() : -other);
  }

  div(other) {
    return this.mul(other instanceof Value ? other.pow(-1) : 1 / other);
  }

  tanh() {
    const t = Math.tanh(this.data);
    const out = new Value(t, [this], 'tanh');
    out._backward = () => {
      this.grad += (1 - t * t) * out.grad;
    };
    return out;
  }

  /** micrograd's backward(): topological order by DFS, then the closures in reverse. */
  backward() {
    const topo = [];
    const visited = new Set();
    // Explicit DFS stack: node and the index of the next parent to visit.
    const nodes = [this];
    const next = [0];
    visited.add(this);
    while (nodes.length > 0) {
      const top = nodes.length - 1;
      const v = nodes[top];
      const i = next[top];
      const prev = v._prev;
      if (i < prev.length) {
        next[top] = i + 1;
        const child = prev[i];
        if (!visited.has(child)) {
          visited.add(child);
          nodes.push(child);
          next.push(0);
        }
      } else {
        nodes.pop();
        next.pop();
        topo.push(v);
      }
    }
    this.grad = 1;
    for (let i = topo.length - 1; i >= 0; i--) topo[i]._backward();
  }

  /** Diagnostic variant: same sort, but nodes are marked with a per-call stamp instead of a Set. */
  backwardMarked() {
    const stamp = ++stampCounter;
    const topo = [];
    const nodes = [this];
    const next = [0];
    this._stamp = stamp;
    while (nodes.length > 0) {
      const top = nodes.length - 1;
      const v = nodes[top];
      const i = next[top];
      const prev = v._prev;
      if (i < prev.length) {
        next[top] = i + 1;
        const child = prev[i];
        if (child._stamp !== stamp) {
          child._stamp = stamp;
          nodes.push(child);
          next.push(0);
        }
      } else {
        nodes.pop();
        next.pop();
        topo.push(v);
      }
    }
    this.grad = 1;
    for (let i = topo.length - 1; i >= 0; i--) topo[i]._backward();
  }

  toString() {
    return `Value(data=${this.data}, grad=${this.grad})`;
  }
}

// ── micrograd's nn.py ──

export class Module {
  zeroGrad() {
    for (const p of this.parameters()) p.grad = 0;
  }

  parameters() {
    return [];
  }
}

export class Neuron extends Module {
  /** Weights uniform in [-1, 1) from `random` (default Math.random), bias 0, as micrograd. */
  constructor(nin, nonlin = true, random = Math.random) {
    super();
    this.w = Array.from({ length: nin }, () => new Value(2 * random() - 1));
    this.b = new Value(0);
    this.nonlin = nonlin;
  }

  /** sum((wi*xi for wi, xi in zip(self.w, x)), self.b): b + w0·x0 + w1·x1 + ..., left to right. */
  forward(x) {
    let act = this.b;
    for (let i = 0; i < this.w.length; i++) act = act.add(this.w[i].mul(x[i]));
    return this.nonlin ? act.relu() : act;
  }

  parameters() {
    return [...this.w, this.b];
  }
}

export class Layer extends Module {
  constructor(nin, nout, nonlin = true, random = Math.random) {
    super();
    this.neurons = Array.from({ length: nout }, () => new Neuron(nin, nonlin, random));
  }

  forward(x) {
    const out = this.neurons.map((n) => n.forward(x));
    return out.length === 1 ? out[0] : out;
  }

  parameters() {
    return this.neurons.flatMap((n) => n.parameters());
  }
}

/** ReLU on every layer but the last, as micrograd's MLP. */
export class MLP extends Module {
  constructor(nin, nouts, random = Math.random) {
    super();
    const sz = [nin, ...nouts];
    this.layers = nouts.map((nout, i) => new Layer(sz[i], nout, i !== nouts.length - 1, random));
  }

  forward(x) {
    for (const layer of this.layers) x = layer.forward(x);
    return x;
  }

  parameters() {
    return this.layers.flatMap((l) => l.parameters());
  }
}
