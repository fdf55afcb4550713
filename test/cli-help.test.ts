/**
 * The CLI's help (issue 18 item 3, issue 14): every value-taking flag of every command states its
 * default, says it has none, or says it is required; a docs file named in help is a link to the
 * repository of package.json or a file the package ships; the flags of config fields (theory, fit,
 * sweep, data, train, influence) come from the schema the core declares, under the names tests,
 * docs and scripts use.
 */
import { execFileSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Command, type Option } from 'commander';
import { describe, expect, it } from 'vitest';
import { buildProgram } from '../ts/cli/main.js';
import { docLink, linkDocs, repositoryUrl, showDefault } from '../ts/cli/flags.js';
import { fields } from '../ts/schema.js';

const root = fileURLToPath(new URL('..', import.meta.url));

/** Commands whose flags without a default are listed by the last test, not failed (none now). */
const PENDING = new Set<string>([]);

function allCommands(c: Command, path: string[] = []): { path: string; cmd: Command }[] {
  return c.commands.flatMap((s) => [{ path: [...path, s.name()].join(' '), cmd: s }, ...allCommands(s, [...path, s.name()])]);
}

/** A command's whole help as printed (options, the description and the text added before or after them). */
function fullHelp(cmd: Command): string {
  let out = '';
  cmd.configureOutput({ writeOut: (s) => (out += s), writeErr: (s) => (out += s) });
  cmd.outputHelp();
  return out;
}

/** The value-taking flags of `cmd` whose help states no default, no "none" and no "required". */
function flagsWithoutDefault(cmd: Command): string[] {
  const help = cmd.createHelp();
  return cmd.options
    .filter((o: Option) => (o.required || o.optional) && !o.negate)
    .filter((o: Option) => {
      const text = help.optionDescription(o);
      if (/\bdefault\b/i.test(text)) return false;
      return !(o.mandatory && /\(required\)/.test(text));
    })
    .map((o: Option) => o.long ?? o.flags);
}

/** The files `npm pack` would put in the package. */
function shippedFiles(): Set<string> {
  const out = execFileSync('npm', ['pack', '--dry-run', '--json', '--ignore-scripts'], { cwd: root, encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] });
  return new Set((JSON.parse(out) as { files: { path: string }[] }[])[0].files.map((f) => f.path));
}

/** Docs files named in a text: "docs/x.md", "README.md", outside any URL. Returns [mention, isUrl]. */
function docMentions(text: string): { path: string; url: boolean }[] {
  const out: { path: string; url: boolean }[] = [];
  for (const m of text.matchAll(/(\S*?)([\w./-]*[\w-]+\.md)\b/g)) {
    const url = /^\S*https?:\/\//.test(m[0]);
    out.push({ path: url ? m[0].replace(/^.*?(https?:\/\/)/, '$1') : m[2], url });
  }
  return out;
}

const program = buildProgram();
const commands = allCommands(program);

describe('CLI help: defaults', () => {
  it('finds the commands', () => {
    expect(commands.map((c) => c.path)).toEqual(
      expect.arrayContaining(['generate', 'train', 'sweep', 'merge', 'reproduce', 'influence', 'scores', 'theory', 'fit-constants']),
    );
  });

  it.each(commands.filter((c) => !PENDING.has(c.path.split(' ')[0])).map((c) => [c.path, c.cmd] as const))(
    '%s: every value-taking flag states its default, says it has none, or says it is required',
    (_path, cmd) => {
      expect(flagsWithoutDefault(cmd)).toEqual([]);
    },
  );

  it('the check itself fails on a flag without a default, and passes switches, defaults and required flags', () => {
    const c = new Command('x')
      .option('--plain <n>', 'a number')
      .option('--switch', 'on or off')
      .option('--given <n>', 'with a default', '3')
      .option('--said <n>', 'a number (default: none)')
      .requiredOption('--must <f>', 'a file (required)')
      .requiredOption('--silent <f>', 'a file');
    expect(flagsWithoutDefault(c)).toEqual(['--plain', '--silent']);
  });

  it('flags of commands still being extended elsewhere (listed, not failed)', () => {
    const missing = commands.filter((c) => PENDING.has(c.path.split(' ')[0])).flatMap((c) => flagsWithoutDefault(c.cmd).map((f) => `${c.path} ${f}`));
    if (missing.length) console.info(`flags without a default in ${[...PENDING].join(', ')}: ${missing.join(', ')}`);
    expect(Array.isArray(missing)).toBe(true);
  });
});

describe('CLI help: docs it names', () => {
  const repo = repositoryUrl();
  const pkg = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8')) as { repository: { url: string } };

  it('the repository URL is the one of package.json', () => {
    expect(repo).not.toBeNull();
    expect(pkg.repository.url.replace(/^git\+/, '').replace(/\.git$/, '')).toContain(repo!.replace(/^https:\/\//, ''));
    expect(docLink('docs/theory.md')).toBe(`${repo}/blob/main/docs/theory.md`);
    // A docs path in free text becomes the link; a URL already there stays as it is.
    expect(linkDocs('see docs/theory.md.')).toBe(`see ${repo}/blob/main/docs/theory.md.`);
    expect(linkDocs(`see ${repo}/blob/main/docs/theory.md`)).toBe(`see ${repo}/blob/main/docs/theory.md`);
  });

  it('every docs file named in any help is a link to the repository (to a file that exists) or a file the package ships', () => {
    const shipped = shippedFiles();
    const bad: string[] = [];
    let links = 0;
    for (const { path, cmd } of [{ path: 'benignfit', cmd: program }, ...commands]) {
      for (const m of docMentions(fullHelp(cmd))) {
        if (m.url) {
          links++;
          const prefix = `${repo}/blob/main/`;
          if (!m.path.startsWith(prefix)) bad.push(`${path}: ${m.path} is not a link into ${repo}`);
          else if (!existsSync(join(root, m.path.slice(prefix.length)))) bad.push(`${path}: ${m.path} names no file of the repository`);
        } else if (!shipped.has(m.path)) bad.push(`${path}: ${m.path} is neither a link nor shipped in the package`);
      }
    }
    expect(bad).toEqual([]);
    // theory and fit-constants point to docs/theory.md.
    expect(links).toBeGreaterThanOrEqual(2);
  });

  it('the check itself finds a bare docs path', () => {
    expect(docMentions('see docs/theory.md')).toEqual([{ path: 'docs/theory.md', url: false }]);
    expect(docMentions('see https://x.invalid/r/blob/main/docs/theory.md')).toEqual([{ path: 'https://x.invalid/r/blob/main/docs/theory.md', url: true }]);
  });
});

describe('CLI flags of config fields come from the schema', () => {
  const find = (name: string) => commands.find((c) => c.path === name)!.cmd;
  const cases: [string, string, Record<string, string>, string[]][] = [
    ['theory', 'theory', { seed: '--theory-seed' }, ['memoryLimit']],
    ['fit-constants', 'fit', {}, []],
    ['sweep', 'sweep', {}, ['x', 'y']],
    ['train', 'train', { seed: '--train-seed' }, ['memoryLimit']],
    ['generate', 'data', {}, ['memoryLimit']],
  ];
  it.each(cases)('%s: one flag per field of %s, with its doc comment and default', (command, sec, names, skip) => {
    const cmd = find(command);
    const help = cmd.createHelp();
    for (const f of fields(sec)) {
      if (skip.includes(f.name)) continue;
      const long = names[f.name] ?? `--${f.name.replace(/[A-Z]/g, (c) => `-${c.toLowerCase()}`)}`;
      const opt = cmd.options.find((o) => o.long === long || o.long === long.replace(/^--/, '--no-'));
      expect(opt, `${command} ${long} (${sec}.${f.name})`).toBeDefined();
      const text = help.optionDescription(opt!);
      expect(text).toContain(f.description.split(' ').slice(0, 3).join(' '));
      if (f.default !== undefined && typeof f.default !== 'boolean') expect(text).toContain(`default: ${showDefault(f.default)}`);
    }
  });

  it('the flag names tests, docs and scripts use are all there', () => {
    const want: Record<string, string[]> = {
      theory: [
        '--config',
        '--run',
        '--out',
        '--json',
        '--width',
        '--lr',
        '--sigma0',
        '--steps',
        '--epsilon',
        '--ls',
        '--method',
        '--seed',
        '--classes',
        '--dim',
        '--set',
      ],
      'fit-constants': ['--results', '--out', '--config', '--bootstrap', '--level', '--seed', '--max-error', '--set', '--json', '--backend'],
      sweep: ['--config', '--out', '--shard', '--workers', '--seeds', '--set', '--backend'],
    };
    for (const [command, flags] of Object.entries(want)) {
      const have = find(command).options.map((o) => o.long);
      expect(have, command).toEqual(expect.arrayContaining(flags));
    }
  });

  it('bounds are shown in words from the schema', () => {
    const text = (command: string, flag: string) => {
      const cmd = find(command);
      return cmd.createHelp().optionDescription(cmd.options.find((o) => o.long === flag)!);
    };
    expect(text('theory', '--width')).toMatch(/an integer from 1 to 1000000; default: 100\)/);
    expect(text('fit-constants', '--level')).toMatch(/a number > 0 and < 1; default: 0\.95\)/);
    expect(text('fit-constants', '--bootstrap')).toMatch(/an integer from 0 to 1000000; default: 1000\)/);
    expect(text('theory', '--ls')).toMatch(/a comma list of numbers > 0; default: \[0\.5,1,2,4\]\)/);
    expect(text('sweep', '--seeds')).toMatch(/an integer from 1 to 1000; default: 1\)/);
  });

  it('list fields parse one value as a list; one-or-many fields as a number', () => {
    const parse = (command: string, argv: string[]) => {
      const p = buildProgram();
      const cmd = p.commands.find((c) => c.name() === command)!;
      cmd.action(() => undefined);
      cmd.exitOverride();
      p.parse(['node', 'benignfit', command, ...argv]);
      return cmd.opts();
    };
    const o = parse('theory', ['--out', 'x.json', '--ls', '0.5', '--per-class', '7', '--feature-norm', '1,2', '--init', 'sigma0=0.01']);
    expect(o.ls).toEqual([0.5]);
    expect(o.perClass).toBe(7);
    expect(o.featureNorm).toEqual([1, 2]);
    expect(o.init).toEqual({ sigma0: 0.01 });
    expect(parse('train', ['--out', 'd', '--long-tailed-l', '3']).longTailedL).toEqual([3]);
  });
});
