/**
 * `npm run build`: bundles the browser code with esbuild.
 *   dist/widget/parley.js  the loader a site embeds (IIFE, plain DOM, es2019)
 *   dist/widget/chat.js    the chat window, imported lazily by the loader (ESM, Preact)
 *   dist/widget/links-*.js the link finder (linkifyjs), imported lazily by chat.js
 *   dist/console/          the operator console (index.html, app.js + source map, app.css)
 * Prints the gzip size of every output; exits non-zero on any build error.
 */
import { copyFile, mkdir, readdir, readFile, rm, stat } from 'node:fs/promises';
import { dirname, join, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { gzipSync } from 'node:zlib';
import { type BuildOptions, build, type Plugin, transform } from 'esbuild';

const root = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const dist = join(root, 'dist');

/** `import css from './x.css'` yields the minified stylesheet as a string (for shadow roots). */
const cssAsText: Plugin = {
  name: 'css-as-text',
  setup(b) {
    b.onLoad({ filter: /\.css$/ }, async (args) => {
      const source = await readFile(args.path, 'utf8');
      const { code } = await transform(source, {
        loader: 'css',
        minify: true,
        target: ['chrome80', 'firefox78', 'safari13'],
      });
      return { contents: `export default ${JSON.stringify(code.trim())};`, loader: 'js' };
    });
  },
};

const common: BuildOptions = {
  bundle: true,
  minify: true,
  legalComments: 'none',
  logLevel: 'warning',
  jsx: 'automatic',
  jsxImportSource: 'preact',
  define: { 'process.env.NODE_ENV': '"production"' },
};

export async function buildAll(): Promise<void> {
  await rm(join(dist, 'widget'), { recursive: true, force: true });
  await rm(join(dist, 'console'), { recursive: true, force: true });
  await mkdir(join(dist, 'widget'), { recursive: true });
  await mkdir(join(dist, 'console'), { recursive: true });

  await Promise.all([
    build({
      ...common,
      entryPoints: [join(root, 'widget/loader.ts')],
      outfile: join(dist, 'widget/parley.js'),
      format: 'iife',
      target: 'es2019',
      // The loader imports chat.js with import(): every browser that runs the widget has it.
      supported: { 'dynamic-import': true },
      plugins: [cssAsText],
    }),
    build({
      ...common,
      entryPoints: [join(root, 'widget/chat.tsx')],
      outdir: join(dist, 'widget'),
      entryNames: '[name]',
      // The link finder (linkifyjs, ~9 KB gzip of it a list of top-level domains) is imported
      // lazily by chat.js: its own content-hashed file, so chat.js stays within its budget.
      splitting: true,
      chunkNames: 'chat-[name]-[hash]',
      // Assigned (not defined) class fields need no helper, so chat.js shares no code with the
      // link chunk and loads without a second request.
      tsconfigRaw: { compilerOptions: { useDefineForClassFields: false } },
      format: 'esm',
      target: 'es2019',
      plugins: [cssAsText],
    }),
    build({
      ...common,
      entryPoints: [join(root, 'console-web/app.tsx')],
      outfile: join(dist, 'console/app.js'),
      format: 'esm',
      target: 'es2020',
      sourcemap: true,
      plugins: [cssAsText],
    }),
    build({
      ...common,
      entryPoints: [join(root, 'console-web/app.css')],
      outfile: join(dist, 'console/app.css'),
      target: ['chrome90', 'firefox90', 'safari14'],
    }),
    copyFile(join(root, 'console-web/index.html'), join(dist, 'console/index.html')),
  ]);
}

async function listFiles(dir: string): Promise<string[]> {
  const out: string[] = [];
  for (const entry of await readdir(dir, { withFileTypes: true })) {
    const p = join(dir, entry.name);
    if (entry.isDirectory()) out.push(...(await listFiles(p)));
    else out.push(p);
  }
  return out.sort();
}

export async function printSizes(): Promise<void> {
  const rows: string[] = [];
  for (const file of [...(await listFiles(join(dist, 'widget'))), ...(await listFiles(join(dist, 'console')))]) {
    if (file.endsWith('.map')) continue;
    const raw = await readFile(file);
    const { size } = await stat(file);
    const gz = gzipSync(raw, { level: 9 }).length;
    rows.push(
      `  ${relative(root, file).padEnd(28)} ${(size / 1024).toFixed(1).padStart(7)} KB   ${(gz / 1024).toFixed(2).padStart(6)} KB gzip`,
    );
  }
  console.log(`built:\n${rows.join('\n')}`);
}

const isMain = process.argv[1] && resolve(process.argv[1]) === fileURLToPath(import.meta.url);
if (isMain) {
  try {
    await buildAll();
    await printSizes();
  } catch (err) {
    // esbuild has already printed the located errors; say so and fail.
    console.error(`build failed: ${err instanceof Error ? err.message : String(err)}`);
    process.exit(1);
  }
}
