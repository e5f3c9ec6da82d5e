// Shared set-up of the host tests: the package as users get it (npm pack,
// unpacked into a scratch project's node_modules), a static HTTP server, child
// processes, Chromium, and the checks for the system tools they need.

import { execFile, spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { cp, mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { extname, join, normalize, resolve, sep } from 'node:path';
import { fileURLToPath } from 'node:url';
import { chromium, type Browser, type Page } from 'playwright-core';

export const ROOT = fileURLToPath(new URL('../../', import.meta.url));
export const FIXTURES = fileURLToPath(new URL('./fixtures/', import.meta.url));
export const CHROMIUM = '/usr/bin/chromium';

/**
 * Fails (never skips) when a system tool is missing, naming the Debian package
 * that provides it. `.ci/run` installs all of them.
 */
export function requireTool(command: string, aptPackage: string): string {
  const found = command.startsWith('/')
    ? existsSync(command) ? command : ''
    : spawnSync('sh', ['-c', `command -v ${command}`], { encoding: 'utf8' }).stdout.trim();
  if (!found) {
    throw new Error(
      `${command} is not installed: these tests need the Debian package '${aptPackage}' ` +
        `(sudo apt-get install -y --no-install-recommends ${aptPackage}; .ci/run installs it)`,
    );
  }
  return found;
}

export function requireBuild(): void {
  for (const file of ['build/wasmgrad.wasm', 'dist/index.js']) {
    if (!existsSync(join(ROOT, file))) throw new Error(`${file} is missing: run \`npm run build\` first (npm test does)`);
  }
}

export interface Run {
  stdout: string;
  stderr: string;
}

/** Runs a program to completion; rejects with its output when it exits non-zero. */
export function run(file: string, args: readonly string[], options: { cwd?: string; timeout?: number; env?: NodeJS.ProcessEnv } = {}): Promise<Run> {
  return new Promise((resolvePromise, reject) => {
    execFile(
      file,
      args,
      { cwd: options.cwd ?? ROOT, timeout: options.timeout ?? 120_000, maxBuffer: 64 << 20, env: options.env ?? process.env },
      (err, stdout, stderr) => {
        if (err) reject(new Error(`${file} ${args.join(' ')} failed: ${err.message}\n--- stdout\n${stdout}\n--- stderr\n${stderr}`));
        else resolvePromise({ stdout, stderr });
      },
    );
  });
}

/** A binary from the project's node_modules/.bin (vite, deno, bun). */
export function bin(name: string): string {
  const path = join(ROOT, 'node_modules', '.bin', name);
  if (!existsSync(path)) throw new Error(`node_modules/.bin/${name} is missing: run \`npm ci\` (it is a devDependency)`);
  return path;
}

export interface Project {
  /** A scratch directory with package.json and node_modules/wasmgrad unpacked from `npm pack`. */
  dir: string;
  tarball: string;
  dispose(): Promise<void>;
}

/**
 * Packs the package as `npm publish` would (the build must exist), unpacks the
 * tarball into a scratch project, and copies the fixtures beside it.
 */
export async function packedProject(): Promise<Project> {
  requireBuild();
  const dir = await mkdtemp(join(tmpdir(), 'wasmgrad-host-'));
  const { stdout } = await run('npm', ['pack', '--ignore-scripts', '--json', '--pack-destination', dir]);
  const [{ filename }] = JSON.parse(stdout) as { filename: string }[];
  const tarball = join(dir, filename);
  const pkg = join(dir, 'node_modules', 'wasmgrad');
  await mkdir(pkg, { recursive: true });
  await run('tar', ['-xzf', tarball, '-C', pkg, '--strip-components=1']);
  await writeFile(join(dir, 'package.json'), JSON.stringify({ name: 'consumer', private: true, type: 'module' }, null, 2));
  await cp(FIXTURES, dir, { recursive: true });
  return { dir, tarball, dispose: () => rm(dir, { recursive: true, force: true }) };
}

const TYPES: Record<string, string> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.mjs': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.json': 'application/json',
  '.map': 'application/json',
  '.wasm': 'application/wasm',
  '.svg': 'image/svg+xml',
};

export interface StaticServer {
  url: string;
  /** Paths requested so far, in order. */
  requests: string[];
  close(): Promise<void>;
}

/** Serves `root` on 127.0.0.1 (an ephemeral port). `wasmType` overrides the Content-Type of .wasm files. */
export async function serve(root: string, { wasmType = TYPES['.wasm'] }: { wasmType?: string } = {}): Promise<StaticServer> {
  const base = resolve(root);
  const requests: string[] = [];
  const server: Server = createServer((req, res) => {
    const path = decodeURIComponent(new URL(req.url ?? '/', 'http://x').pathname);
    requests.push(path);
    const file = normalize(join(base, path.endsWith('/') ? `${path}index.html` : path));
    if (file !== base && !file.startsWith(base + sep)) {
      res.writeHead(403).end();
      return;
    }
    readFile(file).then(
      (body) => {
        const ext = extname(file);
        res.writeHead(200, { 'content-type': ext === '.wasm' ? wasmType : (TYPES[ext] ?? 'application/octet-stream') });
        res.end(body);
      },
      () => res.writeHead(404, { 'content-type': 'text/plain' }).end('not found'),
    );
  });
  await new Promise<void>((ok) => server.listen(0, '127.0.0.1', ok));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    requests,
    close: () => new Promise((ok) => server.close(() => ok())),
  };
}

/** printf's %.17g for a double: 17 significant digits, enough to name every double exactly. */
export function formatG17(x: number): string {
  if (Number.isNaN(x)) return x < 0 ? '-nan' : 'nan';
  if (x === Infinity) return 'inf';
  if (x === -Infinity) return '-inf';
  if (x === 0) return Object.is(x, -0) ? '-0' : '0';
  const [mantissa, exp] = x.toExponential(16).split('e');
  const e = Number(exp);
  const trim = (s: string) => (s.includes('.') ? s.replace(/0+$/, '').replace(/\.$/, '') : s);
  if (e < -4 || e >= 17) return `${trim(mantissa)}e${e < 0 ? '-' : '+'}${String(Math.abs(e)).padStart(2, '0')}`;
  return trim(x.toFixed(16 - e));
}

/** Debian's Chromium, headless, as root in a container: no sandbox (Playwright's default), small /dev/shm, no GPU. */
export function launchChromium(): Promise<Browser> {
  requireTool(CHROMIUM, 'chromium');
  return chromium.launch({ executablePath: CHROMIUM, args: ['--no-sandbox', '--disable-dev-shm-usage', '--disable-gpu'] });
}

/** Collects what goes wrong on a page (uncaught errors, console errors, HTTP errors), for a test to assert empty. */
export function watchPage(page: Page): string[] {
  const problems: string[] = [];
  page.on('pageerror', (err) => problems.push(`pageerror: ${err.message}`));
  page.on('console', (msg) => {
    if (msg.type() === 'error') problems.push(`console: ${msg.text()}`);
  });
  page.on('response', (res) => {
    if (res.status() >= 400) problems.push(`HTTP ${res.status()}: ${res.url()}`);
  });
  return problems;
}
