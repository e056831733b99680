// The web console's bundled script and stylesheet. From the sources (tsx, vitest, a fresh clone) they are bundled
// on the console's first request (scripts/console-assets.ts, esbuild: a devDependency, there wherever the sources
// are); `npm run build` replaces this module in dist/ with the bundle itself, so the package never bundles at run
// time. Either way, nothing is bundled or read at start-up.

/** What /_mock/ui serves: the script, the stylesheet, and a hash of both for cache-busting urls. */
export interface ConsoleAssets {
  hash: string;
  css: string;
  js: string;
}

/**
 * The bundler, by url: a path the type checker does not follow, so the package's declarations (dist/types) never
 * reach scripts/ or esbuild's types.
 */
const BUNDLER = new URL('../../../scripts/console-assets.ts', import.meta.url).href;

let bundled: Promise<ConsoleAssets> | undefined;

/** The console's assets, bundled once per process. */
export function consoleAssets(): Promise<ConsoleAssets> {
  bundled ??= import(BUNDLER).then((m: { bundleConsoleAssets(): ConsoleAssets }) => m.bundleConsoleAssets());
  return bundled;
}
