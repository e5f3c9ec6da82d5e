import { demo } from './demo.js';

function inWorker() {
  return new Promise((resolve, reject) => {
    const worker = new Worker(new URL('./worker.js', import.meta.url), { type: 'module' });
    worker.onmessage = ({ data }) => {
      worker.terminate();
      if (data.error) reject(new Error(`worker: ${data.error}`));
      else resolve(data.result);
    };
    worker.onerror = (event) => reject(new Error(`worker: ${event.message}`));
  });
}

function table(title, rows) {
  const body = rows.map(([k, v]) => `<tr><td>${k}</td><td>${v}</td></tr>`).join('');
  return `<h2>${title}</h2><table><tbody>${body}</tbody></table>`;
}

function render(where, { seed, fit }) {
  return (
    table(`Seed example (${where})`, [['h', seed.h], ...Object.entries(seed.grads).map(([k, g]) => [`dh/d${k}`, g])]) +
    table(`Linear fit to y = 2x − 1 (${where})`, [['w', fit.w], ['b', fit.b], ['loss', fit.loss]])
  );
}

const out = document.getElementById('result');
try {
  const main = await demo();
  const worker = await inWorker();
  document.getElementById('tables').innerHTML = render('main thread', main) + render('Web Worker', worker);
  out.textContent = JSON.stringify({ main, worker });
  out.dataset.status = 'done';
} catch (err) {
  document.getElementById('tables').textContent = String(err?.stack ?? err);
  out.textContent = String(err?.stack ?? err);
  out.dataset.status = 'error';
}
