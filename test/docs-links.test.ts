// The README and its guides: the README stays short, and every relative link of the README, of docs/*.md and of
// every guide the package ships resolves in the clone and inside the packed tarball (anchors included), so a user
// who installed the package can follow them. `npm pack --dry-run --json` gives the tarball's file list without
// building or writing a tarball.
import { execFileSync } from 'node:child_process';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join, posix } from 'node:path';
import { describe, expect, it } from 'vitest';
import { conformanceCommand } from '../contracts/cli/conformance.ts';
import { childEnv, ROOT } from '../scripts/pack-install.ts';

const MAX_README_LINES = 350;

/** The files `npm pack` would put in the tarball, relative to the package root. */
function packedFiles(): string[] {
  const out = execFileSync('npm', ['pack', '--dry-run', '--json', '--ignore-scripts'], {
    cwd: ROOT,
    env: childEnv(),
    encoding: 'utf8',
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const [info] = JSON.parse(out.slice(out.indexOf('['))) as { files: { path: string }[] }[];
  return (info?.files ?? []).map((f) => f.path);
}

const PACKED = packedFiles();

/** The text outside fenced code blocks, with inline code spans blanked (a link written in code is not a link). */
function prose(markdown: string): string {
  return markdown
    .replace(/^(```|~~~)[^\n]*\n[\s\S]*?^\1[^\n]*$/gm, '')
    .replace(/(`+)[\s\S]*?\1/g, (span) => ' '.repeat(span.length));
}

/** Every link and image target of a markdown text: `[text](target)`, `![alt](target)`, `<img src="target">`. */
function linkTargets(markdown: string): string[] {
  const text = prose(markdown);
  const targets = [...text.matchAll(/\]\(\s*<?([^)\s>]+)>?(?:\s+"[^"]*")?\s*\)/g)].map((m) => m[1] as string);
  targets.push(...[...text.matchAll(/<img\b[^>]*\bsrc="([^"]+)"/g)].map((m) => m[1] as string));
  return targets;
}

/** GitHub's anchor of each heading (lowercase, punctuation dropped, spaces to hyphens, repeats numbered). */
function anchors(markdown: string): Set<string> {
  const seen = new Map<string, number>();
  const out = new Set<string>();
  for (const m of markdown
    .replace(/^(```|~~~)[^\n]*\n[\s\S]*?^\1[^\n]*$/gm, '')
    .matchAll(/^#{1,6}[ \t]+(.+?)[ \t#]*$/gm)) {
    const text = (m[1] as string).replace(/!?\[([^\]]*)\]\([^)]*\)/g, '$1');
    const base = text
      .toLowerCase()
      .replace(/[^\p{L}\p{N} _-]/gu, '')
      .replace(/ /g, '-');
    const n = seen.get(base) ?? 0;
    seen.set(base, n + 1);
    out.add(n === 0 ? base : `${base}-${n}`);
  }
  return out;
}

/** The markdown files whose links must resolve: the README, every guide in docs/, and every shipped .md. */
function guides(): string[] {
  const docs = readdirSync(join(ROOT, 'docs'))
    .filter((f) => f.endsWith('.md'))
    .map((f) => `docs/${f}`);
  return [...new Set(['README.md', ...docs, ...PACKED.filter((p) => p.endsWith('.md'))])].sort();
}

interface Link {
  from: string;
  target: string;
  /** The file or folder it points at, relative to the package root ('' for a link to the page itself). */
  path: string;
  anchor: string;
}

function relativeLinks(file: string): Link[] {
  return linkTargets(readFileSync(join(ROOT, file), 'utf8'))
    .filter((t) => !/^[a-z][a-z\d+.-]*:/i.test(t))
    .map((target) => {
      const [raw = '', anchor = ''] = target.split('#');
      const path =
        raw === '' ? file : posix.normalize(posix.join(posix.dirname(file), decodeURIComponent(raw)));
      return { from: file, target, path: path.replace(/\/$/, ''), anchor };
    });
}

const ALL_LINKS = guides().flatMap(relativeLinks);

describe('the README and its guides', () => {
  it(`the README is at most ${MAX_README_LINES} lines`, () => {
    const lines = readFileSync(join(ROOT, 'README.md'), 'utf8').trimEnd().split('\n').length;
    expect(lines).toBeLessThanOrEqual(MAX_README_LINES);
  });

  it('the README links every guide in docs/', () => {
    const linked = new Set(relativeLinks('README.md').map((l) => l.path));
    const unlinked = guides().filter((g) => g.startsWith('docs/') && !linked.has(g));
    expect(unlinked).toEqual([]);
  });

  it('every relative link of the README, docs/*.md and each shipped guide resolves in the clone', () => {
    expect(ALL_LINKS.filter((l) => l.from === 'README.md').length).toBeGreaterThan(10);
    const broken = ALL_LINKS.filter((l) => !existsSync(join(ROOT, l.path))).map(
      (l) => `${l.from}: ${l.target}`,
    );
    expect(broken).toEqual([]);
  });

  it("every link's #anchor is a heading of the page it points at", () => {
    const withAnchor = ALL_LINKS.filter((l) => l.anchor !== '');
    expect(withAnchor.length).toBeGreaterThan(0);
    const broken = withAnchor
      .filter(
        (l) => !l.path.endsWith('.md') || !anchors(readFileSync(join(ROOT, l.path), 'utf8')).has(l.anchor),
      )
      .map((l) => `${l.from}: ${l.target}`);
    expect(broken).toEqual([]);
  });

  it('every link target is in the packed tarball (a file, or a folder with packed files)', () => {
    const packed = new Set(PACKED);
    expect(packed.has('README.md')).toBe(true);
    const missing = ALL_LINKS.filter(
      (l) => !packed.has(l.path) && !PACKED.some((p) => p.startsWith(`${l.path}/`)),
    ).map((l) => `${l.from}: ${l.target} (${l.path})`);
    expect(missing).toEqual([]);
  });

  it('every shipped image is one a guide shows (no dead weight in the tarball)', () => {
    const images = PACKED.filter((p) => /\.(png|jpe?g|gif|svg)$/.test(p));
    expect(images.length).toBeGreaterThan(0);
    const linked = new Set(ALL_LINKS.map((l) => l.path));
    expect(images.filter((p) => !linked.has(p))).toEqual([]);
  });

  it('no shipped file tells anyone to run `npx --yes` (it would run whatever package takes the name)', () => {
    const texts = PACKED.filter((p) => existsSync(join(ROOT, p)))
      .map((p) => ({ p, text: readFileSync(join(ROOT, p)) }))
      .filter(({ text }) => !text.includes(0));
    expect(texts.map(({ p }) => p)).toContain('README.md');
    const offending = texts
      .filter(({ text }) => /npx\s+(--yes|-y)\b/.test(text.toString('utf8')))
      .map(({ p }) => p);
    expect(offending).toEqual([]);
  });
});

describe('the command line points at guides that ship', () => {
  it('`conformance client --help` names a guide that is in the packed tarball', () => {
    const client = conformanceCommand().commands.find((c) => c.name() === 'client');
    const named = [...(client?.helpInformation() ?? '').matchAll(/[\w./-]+\.md\b/g)].map((m) => m[0]);
    expect(named.length).toBeGreaterThan(0);
    expect(named.filter((file) => !PACKED.includes(file))).toEqual([]);
  });
});

describe('the link and anchor readers (the checks above are not vacuous)', () => {
  const sample = [
    '# The control API `/_mock`',
    '## Time: real, scaled, manual',
    '## Time: real, scaled, manual',
    'See [a](docs/a.md#x), ![img](b.png "title") and <img src="c.png">, not `[d](e.md)`:',
    '```md',
    '[f](g.md)',
    '```',
  ].join('\n');

  it('finds links and images outside code, and none inside', () => {
    expect(linkTargets(sample)).toEqual(['docs/a.md#x', 'b.png', 'c.png']);
  });

  it("computes GitHub's anchors, repeats numbered", () => {
    expect([...anchors(sample)]).toEqual([
      'the-control-api-_mock',
      'time-real-scaled-manual',
      'time-real-scaled-manual-1',
    ]);
  });
});
