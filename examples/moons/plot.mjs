// An ASCII picture of a trained moons classifier: the sign of the score on a
// grid, with the training points drawn over it.

/**
 * @param {import('wasmgrad').Engine} eng the model's engine; its tape is reset after each row
 * @param {{ forward(x: number[]): import('wasmgrad').Value[] }} model
 * @param {{ X: number[][], y: number[] }} data
 * @param {{ cols?: number, rows?: number, color?: boolean }} [options]
 * @returns {string}
 */
export function plotDecisionBoundary(eng, model, { X, y }, { cols = 64, rows = 24, color = false } = {}) {
  const xs = X.map((p) => p[0]);
  const ys = X.map((p) => p[1]);
  const pad = 0.25;
  const x0 = Math.min(...xs) - pad, x1 = Math.max(...xs) + pad;
  const y0 = Math.min(...ys) - pad, y1 = Math.max(...ys) + pad;
  const cx = (c) => x0 + ((c + 0.5) * (x1 - x0)) / cols;
  const cy = (r) => y1 - ((r + 0.5) * (y1 - y0)) / rows; // row 0 at the top

  // Score of the grid cells, one row per tape generation.
  const positive = [];
  for (let r = 0; r < rows; r++) {
    const outs = [];
    for (let c = 0; c < cols; c++) outs.push(model.forward([cx(c), cy(r)])[0]);
    positive.push(outs.map((v) => v.data > 0));
    eng.reset();
  }

  // Scores of the points themselves, to mark the misclassified ones.
  const grid = positive.map((row) => row.map((p) => ({ ch: p ? '.' : ' ', pos: p })));
  const scores = [];
  for (const p of X) scores.push(model.forward(p)[0]);
  const pointPositive = scores.map((s) => s.data > 0);
  eng.reset();
  for (let i = 0; i < X.length; i++) {
    const c = Math.min(cols - 1, Math.max(0, Math.floor(((X[i][0] - x0) / (x1 - x0)) * cols)));
    const r = Math.min(rows - 1, Math.max(0, Math.floor(((y1 - X[i][1]) / (y1 - y0)) * rows)));
    const wrong = y[i] > 0 !== pointPositive[i];
    grid[r][c].ch = wrong ? '!' : y[i] > 0 ? 'x' : 'o';
  }

  const paint = color
    ? (cell) => `${cell.pos ? '\x1b[44m' : '\x1b[41m'}\x1b[97m${cell.ch === '.' ? ' ' : cell.ch}\x1b[0m`
    : (cell) => cell.ch;
  const border = `+${'-'.repeat(cols)}+`;
  const lines = [border, ...grid.map((row) => `|${row.map(paint).join('')}|`), border];
  lines.push(
    `x: [${x0.toFixed(2)}, ${x1.toFixed(2)}]  y: [${y0.toFixed(2)}, ${y1.toFixed(2)}]   ` +
      (color ? 'blue: score > 0, red: score <= 0' : "'.': score > 0, ' ': score <= 0") +
      `   x: y=+1  o: y=-1  !: misclassified`,
  );
  return lines.join('\n');
}
