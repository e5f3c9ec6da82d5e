// Helpers shared by the benchmarks: statistics, GC control and attribution,
// machine description, formatting. Methodology: bench/README.md.

import os from 'node:os';
import v8 from 'node:v8';
import vm from 'node:vm';
import { PerformanceObserver, performance } from 'node:perf_hooks';

export const now = () => performance.now();

v8.setFlagsFromString('--expose-gc');
/** A forced full GC, run untimed between timed samples so that no engine pays for another's garbage. */
export const gc = vm.runInNewContext('gc');

/** Records every GC pause V8 reports, so that pauses can be attributed to timed windows afterwards. */
export function gcRecorder() {
  const events = [];
  const observer = new PerformanceObserver((list) => {
    for (const e of list.getEntries()) events.push({ start: e.startTime, end: e.startTime + e.duration });
  });
  observer.observe({ entryTypes: ['gc'] });
  return {
    /** Milliseconds of GC pause inside [start, end]. Call finish() first. */
    msIn(start, end) {
      let ms = 0;
      for (const e of events) {
        const lo = Math.max(start, e.start);
        const hi = Math.min(end, e.end);
        if (hi > lo) ms += hi - lo;
      }
      return ms;
    },
    async finish() {
      await new Promise((resolve) => setTimeout(resolve, 100));
      for (const e of observer.takeRecords()) events.push({ start: e.startTime, end: e.startTime + e.duration });
      observer.disconnect();
    },
  };
}

export const tick = () => new Promise((resolve) => setTimeout(resolve, 0));

export function quantile(sorted, q) {
  if (sorted.length === 0) return NaN;
  const pos = (sorted.length - 1) * q;
  const lo = Math.floor(pos);
  const hi = Math.ceil(pos);
  return sorted[lo] + (sorted[hi] - sorted[lo]) * (pos - lo);
}

export function summary(xs) {
  const s = [...xs].sort((p, q) => p - q);
  return { median: quantile(s, 0.5), q1: quantile(s, 0.25), q3: quantile(s, 0.75), min: s[0], max: s[s.length - 1], n: s.length };
}

export const relDiff = (p, q) => (p === q ? 0 : Math.abs(p - q) / Math.max(Math.abs(p), Math.abs(q)));

export const round3 = (x) => Math.round(x * 1000) / 1000;

/** 3 significant-ish digits: 1234 → "1234", 12.34 → "12.3", 1.234 → "1.23", 0.1234 → "0.123". */
export function fmt(x, digits) {
  if (x === null || x === undefined) return '—';
  if (!Number.isFinite(x)) return String(x);
  const d = digits ?? (Math.abs(x) >= 100 ? 0 : Math.abs(x) >= 10 ? 1 : Math.abs(x) >= 1 ? 2 : 3);
  return x.toFixed(d);
}

export function machine() {
  return {
    date: new Date().toISOString(),
    node: process.version,
    v8: process.versions.v8,
    platform: `${os.platform()} ${os.release()} ${os.arch()}`,
    cpu: os.cpus()[0]?.model ?? 'unknown',
    cpus: os.cpus().length,
    totalMemGiB: +(os.totalmem() / 2 ** 30).toFixed(1),
    loadAvg1m: +os.loadavg()[0].toFixed(2), // other processes competing for the CPUs when the report was made
    args: process.argv.slice(2),
  };
}

/** A banner on stderr that cannot be missed. */
export function loud(lines) {
  const bar = '!'.repeat(78);
  console.error(`\n${bar}\n${lines.map((l) => `!!! ${l}`).join('\n')}\n${bar}\n`);
}
