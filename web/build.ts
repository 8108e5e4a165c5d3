// Builds the admin console (`npm run build:web`, part of `npm run build`): esbuild bundles web/src into
// one ES module and copies the page, the style sheet and the icon, into dist/web/ where the worker's
// HTTP server (src/http/console.ts) serves them. No framework: the console is a dozen tables and
// forms, and plain DOM code keeps it dependency-free at run time and small (tens of KB, no CDN).
import { copyFile, mkdir } from 'node:fs/promises';
import { fileURLToPath } from 'node:url';
import { build } from 'esbuild';

const here = fileURLToPath(new URL('.', import.meta.url));
export const CONSOLE_OUT_DIR = fileURLToPath(new URL('../dist/web/', import.meta.url));
const STATIC_FILES = ['index.html', 'console.css', 'icon.svg'] as const;

export async function buildConsole(options: { outDir?: string } = {}): Promise<string> {
  const outDir = options.outDir ?? CONSOLE_OUT_DIR;
  await mkdir(outDir, { recursive: true });
  await build({
    entryPoints: [`${here}src/main.ts`],
    outfile: `${outDir}/console.js`,
    bundle: true,
    format: 'esm',
    // Browsers of the last few years; the console uses nothing newer than ES2022.
    target: ['es2022'],
    minify: true,
    sourcemap: 'linked',
    legalComments: 'none',
    logLevel: 'warning',
  });
  await Promise.all(STATIC_FILES.map((file) => copyFile(`${here}${file}`, `${outDir}/${file}`)));
  return outDir;
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const outDir = await buildConsole();
  console.log(`console built into ${outDir}`);
}
