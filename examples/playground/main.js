// The wasmgrad playground: type an expression and see its graph, values,
// gradients and chain rule; or watch micrograd's two-moons MLP train.
// Everything runs in the page on the package's browser build (the Wasm core,
// or the JS twin), and Graphviz compiled to Wasm draws the graph.

import { createEngine, nn } from 'wasmgrad';
import { buildExpression, explain, ExpressionError, expressionVariables, parseExpression, toSvg } from 'wasmgrad/viz';
import { makeMoons } from '../moons/data.mjs';
import { learningRate, moonsLoss } from '../moons/train.mjs';

const SEED = { expression: '1/(1+exp(-(w0*x0+w1*x1+w2)))', values: { w0: 2, x0: -1, w1: -3, x1: -2, w2: -3 } };

const $ = (id) => document.getElementById(id);
/** What the page computed last, for people poking at it in the console and for the browser test. */
const state = { graph: null, moons: null };
window.playground = state;

const engines = {};
const backend = () => $('backend').value;
async function engineFor(name) {
  engines[name] ??= await createEngine({ backend: name });
  return engines[name];
}

// ── tabs ──

for (const tab of document.querySelectorAll('[role="tab"]')) {
  tab.addEventListener('click', () => {
    for (const other of document.querySelectorAll('[role="tab"]')) {
      const selected = other === tab;
      other.setAttribute('aria-selected', String(selected));
      $(other.dataset.panel).hidden = !selected;
    }
    if (tab.id === 'tab-moons' && state.moons === null) resetMoons();
  });
}

// ── the graph tab ──

const values = { ...SEED.values };
let shownNames = '';
let updateQueued = false;
let updateCount = 0;

function renderVariables(names) {
  const key = names.join(',');
  if (key === shownNames) return;
  shownNames = key;
  const box = $('variables');
  box.replaceChildren();
  for (const name of names) {
    values[name] ??= 1;
    const label = document.createElement('label');
    const range = Object.assign(document.createElement('input'), { type: 'range', min: -5, max: 5, step: 0.01, value: values[name] });
    const number = Object.assign(document.createElement('input'), { type: 'number', step: 'any', value: values[name], id: `var-${name}` });
    range.addEventListener('input', () => {
      number.value = range.value;
      values[name] = Number(range.value);
      scheduleUpdate();
    });
    number.addEventListener('input', () => {
      if (number.value === '' || !Number.isFinite(Number(number.value))) return;
      values[name] = Number(number.value);
      range.value = number.value;
      scheduleUpdate();
    });
    label.append(`${name} =`, number, range);
    box.append(label);
  }
}

function scheduleUpdate() {
  if (updateQueued) return;
  updateQueued = true;
  requestAnimationFrame(() => {
    updateQueued = false;
    updateGraph();
  });
}

async function updateGraph() {
  const seq = ++updateCount;
  const source = $('expression').value;
  const error = $('expression-error');
  const graph = $('graph');
  let parsed;
  try {
    parsed = parseExpression(source);
  } catch (err) {
    if (!(err instanceof ExpressionError)) throw err;
    error.textContent = err.message;
    error.hidden = false;
    graph.dataset.status = 'error';
    return;
  }
  error.hidden = true;
  const names = expressionVariables(parsed);
  renderVariables(names);

  const eng = await engineFor(backend());
  eng.reset();
  const leaves = Object.fromEntries(names.map((name) => [name, eng.value(values[name], name)]));
  const out = buildExpression(eng, parsed, leaves);
  out.backward();
  const text = explain(out, { expression: source });
  const result = {
    backend: eng.backend,
    expression: source,
    data: out.data,
    values: Object.fromEntries(names.map((name) => [name, leaves[name].data])),
    grads: Object.fromEntries(names.map((name) => [name, leaves[name].grad])),
  };
  const svg = await toSvg(out, { autoNames: true }); // the graph is read before this awaits
  if (seq !== updateCount) return; // a newer update is on its way
  graph.innerHTML = svg;
  $('explain').textContent = text;
  state.graph = result;
  graph.dataset.status = 'ready';
  graph.dataset.update = String(seq);
}

$('expression').addEventListener('input', scheduleUpdate);
$('expression-form').addEventListener('submit', (event) => event.preventDefault());
$('seed').addEventListener('click', () => {
  $('expression').value = SEED.expression;
  Object.assign(values, SEED.values);
  shownNames = '';
  scheduleUpdate();
});
$('backend').addEventListener('change', () => {
  scheduleUpdate();
  if (state.moons !== null) resetMoons();
});

// ── the two-moons tab ──

const VIEW = { x0: -1.6, x1: 2.6, y0: -1.2, y1: 1.7 };
const GRID = 36;
let moons = null; // { eng, model, params, X, y, step, losses, accuracies, training }

async function resetMoons() {
  if (moons !== null) moons.cancelled = true;
  const eng = await createEngine({ backend: backend() });
  const { X, y } = makeMoons(100, { noise: 0.1, seed: 1337 });
  const model = new nn.MLP(eng, 2, [16, 16, 1], { seed: 1337 });
  moons = { eng, model, params: model.parameters(), X, y, step: 0, losses: [], accuracies: [], training: false, cancelled: false };
  state.moons = { backend: eng.backend, step: 0, loss: NaN, accuracy: 0, done: false };
  showStatus();
  drawBoundary();
  drawLoss();
}

function showStatus() {
  const s = state.moons;
  const el = $('moons-status');
  el.dataset.step = String(s.step);
  el.dataset.accuracy = String(s.accuracy);
  el.dataset.done = String(s.done);
  el.textContent = s.step === 0 ? `${s.backend} backend, not trained yet` : `${s.backend} · step ${s.step} · loss ${s.loss.toFixed(4)} · accuracy ${(100 * s.accuracy).toFixed(0)}%${s.done ? ' · done' : ''}`;
}

const nextFrame = () => new Promise((resolve) => requestAnimationFrame(resolve));

async function train() {
  if (moons === null) await resetMoons();
  const run = moons;
  if (run.training) return;
  run.training = true;
  const steps = Math.max(1, Math.min(1000, Math.round(Number($('steps').value) || 100)));
  const { eng, model, params, X, y } = run;
  const t0 = performance.now();
  let frameStart = t0;
  let boundaryAt = performance.now();
  for (let k = 0; k < steps && !run.cancelled; k++) {
    const out = moonsLoss(eng, model, X, y);
    const loss = out.total.data;
    model.zeroGrad();
    out.total.backward();
    const lr = learningRate(k, steps);
    for (const p of params) p.data -= lr * p.grad;
    eng.reset();
    run.step = k + 1;
    run.losses.push(loss);
    run.accuracies.push(out.accuracy);
    state.moons = { backend: eng.backend, step: run.step, loss, accuracy: out.accuracy, done: k === steps - 1, elapsedMs: performance.now() - t0 };
    // Several steps per frame while they fit in ~30 ms; then show them and let the page paint.
    if (performance.now() - frameStart < 30 && k < steps - 1) continue;
    showStatus();
    drawLoss();
    // The boundary costs a forward pass per grid cell: redraw it a few times a second.
    if (performance.now() - boundaryAt > 400 || k === steps - 1) {
      drawBoundary();
      boundaryAt = performance.now();
    }
    await nextFrame();
    frameStart = performance.now();
  }
  run.training = false;
}

$('train').addEventListener('click', train);
$('reset').addEventListener('click', resetMoons);

function drawBoundary() {
  const { eng, model, X, y } = moons;
  const canvas = $('boundary');
  const ctx = canvas.getContext('2d');
  const w = canvas.width, h = canvas.height;
  ctx.clearRect(0, 0, w, h);
  const toPx = (px, py) => [((px - VIEW.x0) / (VIEW.x1 - VIEW.x0)) * w, h - ((py - VIEW.y0) / (VIEW.y1 - VIEW.y0)) * h];
  // One tape for the whole grid, freed at once.
  const scores = [];
  for (let j = 0; j < GRID; j++) {
    for (let i = 0; i < GRID; i++) {
      const px = VIEW.x0 + ((i + 0.5) / GRID) * (VIEW.x1 - VIEW.x0);
      const py = VIEW.y0 + ((j + 0.5) / GRID) * (VIEW.y1 - VIEW.y0);
      scores.push(model.forward([px, py])[0].data);
    }
  }
  eng.reset();
  const cw = w / GRID, ch = h / GRID;
  for (let j = 0; j < GRID; j++) {
    for (let i = 0; i < GRID; i++) {
      const s = scores[j * GRID + i];
      const t = Math.min(1, Math.abs(s));
      ctx.fillStyle = s > 0 ? `rgba(37, 99, 235, ${0.15 + 0.25 * t})` : `rgba(220, 38, 38, ${0.15 + 0.25 * t})`;
      ctx.fillRect(i * cw, h - (j + 1) * ch, cw + 0.5, ch + 0.5);
    }
  }
  for (let k = 0; k < X.length; k++) {
    const [px, py] = toPx(X[k][0], X[k][1]);
    ctx.beginPath();
    ctx.arc(px, py, 4, 0, 2 * Math.PI);
    ctx.fillStyle = y[k] > 0 ? '#1d4ed8' : '#b91c1c';
    ctx.fill();
    ctx.strokeStyle = '#fff';
    ctx.stroke();
  }
}

function drawLoss() {
  const { losses, accuracies } = moons;
  const canvas = $('loss');
  const ctx = canvas.getContext('2d');
  const w = canvas.width, h = canvas.height, pad = 30;
  ctx.clearRect(0, 0, w, h);
  ctx.fillStyle = '#374151';
  ctx.font = '12px system-ui, sans-serif';
  ctx.fillText('loss (purple) and accuracy (green) per step', pad, 16);
  ctx.strokeStyle = '#d1d5db';
  ctx.strokeRect(pad, 24, w - pad - 8, h - 24 - pad);
  if (losses.length === 0) return;
  const maxLoss = Math.max(...losses, 1e-9);
  const n = Math.max(2, Number($('steps').value) || losses.length);
  const line = (series, top, color) => {
    ctx.beginPath();
    series.forEach((v, k) => {
      const px = pad + (k / (n - 1)) * (w - pad - 8);
      const py = 24 + (1 - v / top) * (h - 24 - pad);
      if (k === 0) ctx.moveTo(px, py);
      else ctx.lineTo(px, py);
    });
    ctx.strokeStyle = color;
    ctx.lineWidth = 2;
    ctx.stroke();
    ctx.lineWidth = 1;
  };
  line(losses, maxLoss, '#6d28d9');
  line(accuracies, 1, '#15803d');
  ctx.fillStyle = '#374151';
  ctx.fillText(`${maxLoss.toFixed(2)}`, 2, 34);
  ctx.fillText('0', 2, h - pad);
  ctx.fillText(`step ${losses.length}`, w - 70, h - 10);
}

// ── start ──

updateGraph().catch((err) => {
  $('graph').dataset.status = 'error';
  $('graph').textContent = `error: ${err.message}`;
  throw err;
});
