import { join } from 'node:path';
import Database from 'better-sqlite3';
import { describe, expect, it } from 'vitest';
import { Catalog, latestVersion } from '../../../src/app/catalog/catalog';
import { databaseOf } from '../../../src/app/catalog/database';
import { ensureForest } from '../../../src/app/catalog/domains';
import { migrations, type Migration } from '../../../src/app/catalog/migrations';
import { tempDir } from '../../helpers/tmp';

const dir = tempDir();

describe('Catalog', () => {
  it('opens a new file in WAL mode with foreign keys, at the latest schema', () => {
    const catalog = Catalog.open(join(dir, 'new', 'catalog.sqlite'));
    expect(databaseOf(catalog).pragma('journal_mode', { simple: true })).toBe('wal');
    expect(databaseOf(catalog).pragma('foreign_keys', { simple: true })).toBe(1);
    expect(catalog.schemaVersion).toBe(latestVersion);
    expect(catalog.forest()).toBeNull();
    catalog.close();
  });

  it('upgrades a version-1 catalog to the latest schema, keeping its rows', () => {
    const file = join(dir, 'v1.sqlite');
    const raw = new Database(file);
    migrations[0]!.up(raw);
    raw.pragma('user_version = 1');
    raw.prepare("INSERT INTO forests (name) VALUES ('kept')").run();
    raw.close();
    const extra: Migration = {
      version: latestVersion + 1,
      name: 'add a note column',
      up: (db) => db.exec('ALTER TABLE forests ADD COLUMN note TEXT'),
    };
    const upgraded = Catalog.open(file);
    expect(upgraded.schemaVersion).toBe(latestVersion);
    upgraded.migrate([...migrations, extra]);
    expect(upgraded.schemaVersion).toBe(latestVersion + 1);
    expect(upgraded.forest()?.name).toBe('kept');
    upgraded.close();
  });

  it('upgrades a version-2 catalog with runs and jobs to the latest (run device, planned steps, job owners and their start times)', () => {
    const file = join(dir, 'v2.sqlite');
    const raw = new Database(file);
    raw.pragma('foreign_keys = ON');
    for (const m of migrations.slice(0, 2)) m.up(raw);
    raw.pragma('user_version = 2');
    raw.exec(`
      INSERT INTO forests (name) VALUES ('old');
      INSERT INTO models (forest_id, name, role, weights_sha256) VALUES (1, 'seed', 'seed', 'abc');
      INSERT INTO runs (model_id, config_json, status, step, tokens) VALUES (1, '{}', 'done', 40, 1024);
      INSERT INTO jobs (kind, payload_json, status) VALUES ('train', '{}', 'running');
    `);
    raw.close();
    const upgraded = Catalog.open(file);
    expect(upgraded.schemaVersion).toBe(latestVersion);
    expect(
      databaseOf(upgraded)
        .prepare('SELECT step, tokens, device, total_steps AS totalSteps, job_id AS jobId, run_dir AS runDir FROM runs')
        .get(),
    ).toEqual({ step: 40, tokens: 1024, device: 'cpu', totalSteps: 0, jobId: null, runDir: null });
    expect(databaseOf(upgraded).prepare('SELECT status, owner_pid AS owner, owner_start AS started FROM jobs').get()).toEqual({
      status: 'running',
      owner: null,
      started: null,
    });
    expect(databaseOf(upgraded).prepare('SELECT name, settings_json AS s FROM forests').get()).toEqual({ name: 'old', s: null });
    upgraded.close();
  });

  it('upgrades a version-5 catalog to the baseline role: the models table is rebuilt, its rows, lineage and runs kept', () => {
    const file = join(dir, 'v5.sqlite');
    const raw = new Database(file);
    raw.pragma('foreign_keys = ON');
    for (const m of migrations.filter((x) => x.version <= 5)) m.up(raw);
    raw.pragma('user_version = 5');
    raw.exec(`
      INSERT INTO forests (name) VALUES ('old');
      INSERT INTO models (forest_id, name, role, weights_sha256, status, kind) VALUES (1, 'seed', 'seed', 'abc', 'ready', 'full');
      INSERT INTO models (forest_id, name, role, weights_sha256, status, kind, base_sha256, lora_json) VALUES (1, 'law', 'expert', 'def', 'ready', 'light', 'abc', '{"rank":4}');
      INSERT INTO lineage (child_id, parent_id, weight) VALUES (2, 1, 1);
      INSERT INTO runs (model_id, config_json, status, step, tokens) VALUES (2, '{}', 'done', 40, 1024);
    `);
    expect(() => raw.prepare("INSERT INTO models (forest_id, name, role) VALUES (1, 'dense', 'baseline')").run()).toThrow(
      /CHECK constraint/,
    );
    raw.close();
    const upgraded = Catalog.open(file);
    const db = databaseOf(upgraded);
    expect(upgraded.schemaVersion).toBe(latestVersion);
    expect(db.pragma('foreign_keys', { simple: true })).toBe(1);
    expect(db.prepare('SELECT id, name, role, kind, base_sha256 AS base, lora_json AS lora FROM models ORDER BY id').all()).toEqual([
      { id: 1, name: 'seed', role: 'seed', kind: 'full', base: null, lora: null },
      { id: 2, name: 'law', role: 'expert', kind: 'light', base: 'abc', lora: '{"rank":4}' },
    ]);
    expect(db.prepare('SELECT child_id AS c, parent_id AS p FROM lineage').all()).toEqual([{ c: 2, p: 1 }]);
    expect(db.prepare('SELECT model_id AS m, tokens FROM runs').all()).toEqual([{ m: 2, tokens: 1024 }]);
    db.prepare("INSERT INTO models (forest_id, name, role) VALUES (1, 'dense', 'baseline')").run();
    // The references still hold after the rebuild: a parent with children cannot go.
    expect(() => db.prepare('DELETE FROM models WHERE id = 1').run()).toThrow(/FOREIGN KEY/);
    upgraded.close();
  });

  it('refuses a catalog written by a newer Grove', () => {
    const file = join(dir, 'future.sqlite');
    const raw = new Database(file);
    raw.pragma(`user_version = ${latestVersion + 5}`);
    raw.close();
    expect(() => Catalog.open(file)).toThrow(/newer than this Grove understands/);
  });

  it('rolls back a migration that fails halfway', () => {
    const file = join(dir, 'broken.sqlite');
    const catalog = Catalog.open(file);
    const broken: Migration = {
      version: latestVersion + 1,
      name: 'fails after a change',
      up: (db) => {
        db.exec('CREATE TABLE half_done (x INTEGER)');
        throw new Error('boom');
      },
    };
    expect(() => catalog.migrate([...migrations, broken])).toThrow('boom');
    expect(catalog.schemaVersion).toBe(latestVersion);
    expect(databaseOf(catalog).prepare("SELECT name FROM sqlite_master WHERE name = 'half_done'").get()).toBeUndefined();
    catalog.close();
  });

  it('lists domains and models of the forest', () => {
    const catalog = Catalog.open(join(dir, 'rows.sqlite'));
    const forestId = Number(databaseOf(catalog).prepare("INSERT INTO forests (name) VALUES ('f')").run().lastInsertRowid);
    const domainId = Number(
      databaseOf(catalog).prepare("INSERT INTO domains (forest_id, name, source_path) VALUES (?, 'law', '/docs/law')").run(forestId)
        .lastInsertRowid,
    );
    databaseOf(catalog)
      .prepare("INSERT INTO models (forest_id, name, role, domain_id) VALUES (?, 'law-1', 'expert', ?)")
      .run(forestId, domainId);
    expect(catalog.domains(forestId)).toEqual([{ id: domainId, name: 'law', sourcePath: '/docs/law', statsJson: null }]);
    expect(catalog.models(forestId)).toEqual([{ id: 1, name: 'law-1', role: 'expert', domainId }]);
    expect(() => databaseOf(catalog).prepare("INSERT INTO models (forest_id, name, role) VALUES (?, 'x', 'wizard')").run(forestId)).toThrow(
      /CHECK/,
    );
    catalog.close();
  });

  it('groups writes in a transaction: all land, or a throw undoes them all (a nested one alone, if caught)', () => {
    const file = join(dir, 'transaction.sqlite');
    const catalog = Catalog.open(file);
    expect(catalog.transaction(() => ensureForest(catalog, 'kept'))).toBe(1);
    expect(() =>
      catalog.transaction(() => {
        saveForestName(catalog, 'renamed');
        throw new Error('a later step failed');
      }),
    ).toThrow('a later step failed');
    expect(catalog.forest()?.name).toBe('kept');
    catalog.transaction(() => {
      saveForestName(catalog, 'outer');
      try {
        catalog.transaction(() => {
          saveForestName(catalog, 'inner');
          throw new Error('inner step failed');
        });
      } catch {
        // the outer transaction goes on without the inner one's writes
      }
    });
    catalog.close();
    const again = Catalog.open(file);
    expect(again.forest()?.name).toBe('outer');
    expect(again.isOpen).toBe(true);
    again.close();
    expect(again.isOpen).toBe(false);
  });
});

/** A write the app has no module for, through the test-only door. */
function saveForestName(catalog: Catalog, name: string): void {
  databaseOf(catalog).prepare('UPDATE forests SET name = ?').run(name);
}

describe('schema version 2 (BTM tables)', () => {
  it('keeps lineage parents from being deleted while children exist', () => {
    const catalog = Catalog.open(join(dir, 'lineage.sqlite'));
    const db = databaseOf(catalog);
    const forestId = Number(db.prepare("INSERT INTO forests (name) VALUES ('f')").run().lastInsertRowid);
    const add = db.prepare("INSERT INTO models (forest_id, name, role) VALUES (?, ?, 'expert')");
    const seed = Number(add.run(forestId, 'seed').lastInsertRowid);
    const child = Number(add.run(forestId, 'child').lastInsertRowid);
    db.prepare('INSERT INTO lineage (child_id, parent_id, weight) VALUES (?, ?, 1.0)').run(child, seed);
    expect(() => db.prepare('DELETE FROM models WHERE id = ?').run(seed)).toThrow(/FOREIGN KEY/);
    expect(() => db.prepare('INSERT INTO lineage (child_id, parent_id, weight) VALUES (?, ?, 1.5)').run(seed, child)).toThrow(/CHECK/);
    db.prepare('DELETE FROM models WHERE id = ?').run(child);
    expect(db.prepare('SELECT COUNT(*) AS n FROM lineage').get()).toEqual({ n: 0 });
    catalog.close();
  });
});
