-- The Grove catalog's schema at version 11, as the migrations (migrations.ts) leave it.
-- Generated: npm run catalog:schema rewrites it; test/app/catalog/schema.test.ts keeps it equal to a migrated catalog.
-- Change the schema with a new migration, never here and never in a released migration.

PRAGMA user_version = 11;

CREATE TABLE chats (
  id INTEGER PRIMARY KEY,
  forest_id INTEGER NOT NULL REFERENCES forests(id) ON DELETE CASCADE,
  title TEXT NOT NULL,
  created_at TEXT NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ', 'now'))
);

CREATE TABLE checkpoints (
  id INTEGER PRIMARY KEY,
  run_id INTEGER NOT NULL REFERENCES runs(id) ON DELETE CASCADE,
  step INTEGER NOT NULL,
  path TEXT NOT NULL,
  sha256 TEXT NOT NULL,
  bytes INTEGER NOT NULL,
  created_at TEXT NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ', 'now')),
  UNIQUE (run_id, step)
);

CREATE TABLE clusterers (
  id INTEGER PRIMARY KEY,
  forest_id INTEGER NOT NULL REFERENCES forests(id) ON DELETE CASCADE,
  folder TEXT NOT NULL,
  file TEXT NOT NULL,
  domains_json TEXT NOT NULL,
  created_at TEXT NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ', 'now'))
);

CREATE TABLE collapse_trials (
  id INTEGER PRIMARY KEY,
  forest_id INTEGER NOT NULL REFERENCES forests(id) ON DELETE CASCADE,
  job_id INTEGER NOT NULL,
  trial_json TEXT NOT NULL,
  created_at TEXT NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ', 'now'))
);

CREATE TABLE documents (
  id INTEGER PRIMARY KEY,
  domain_id INTEGER NOT NULL REFERENCES domains(id) ON DELETE CASCADE,
  path TEXT NOT NULL,
  status TEXT NOT NULL CHECK (status IN ('accepted', 'skipped')),
  type TEXT,
  reason TEXT,
  detail TEXT,
  duplicate_of TEXT,
  content_sha256 TEXT,
  bytes INTEGER NOT NULL DEFAULT 0,
  tokens INTEGER NOT NULL DEFAULT 0,
  split TEXT CHECK (split IN ('train', 'valid', 'test')),
  UNIQUE (domain_id, path)
);

CREATE TABLE domains (
  id INTEGER PRIMARY KEY,
  forest_id INTEGER NOT NULL REFERENCES forests(id) ON DELETE CASCADE,
  name TEXT NOT NULL,
  source_path TEXT,
  created_at TEXT NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ', 'now')),
  stats_json TEXT,
  UNIQUE (forest_id, name)
);

CREATE TABLE evaluations (
  id INTEGER PRIMARY KEY,
  forest_id INTEGER NOT NULL REFERENCES forests(id) ON DELETE CASCADE,
  spec_json TEXT NOT NULL,
  domain_id INTEGER NOT NULL REFERENCES domains(id) ON DELETE CASCADE,
  split TEXT NOT NULL CHECK (split IN ('train', 'valid', 'test')),
  loss REAL NOT NULL,
  perplexity REAL NOT NULL,
  bits_per_byte REAL,
  tokens INTEGER NOT NULL,
  created_at TEXT NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ', 'now'))
);

CREATE TABLE forests (
  id INTEGER PRIMARY KEY,
  name TEXT NOT NULL UNIQUE,
  created_at TEXT NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ', 'now')),
  settings_json TEXT
);

CREATE TABLE hub_sources (
  weights_sha256 TEXT PRIMARY KEY,
  repo_id TEXT NOT NULL,
  created_at TEXT NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ', 'now'))
);

CREATE TABLE jobs (
  id INTEGER PRIMARY KEY,
  kind TEXT NOT NULL,
  payload_json TEXT NOT NULL,
  status TEXT NOT NULL CHECK (status IN ('queued', 'running', 'paused', 'done', 'failed', 'cancelled')),
  progress_json TEXT,
  error TEXT,
  attempts INTEGER NOT NULL DEFAULT 0,
  created_at TEXT NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ', 'now')),
  updated_at TEXT NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ', 'now')),
  owner_pid INTEGER,
  owner_start TEXT
);

CREATE INDEX jobs_by_status ON jobs(status, id);

CREATE TABLE lineage (
  child_id INTEGER NOT NULL REFERENCES models(id) ON DELETE CASCADE,
  parent_id INTEGER NOT NULL REFERENCES models(id) ON DELETE RESTRICT,
  weight REAL NOT NULL CHECK (weight >= 0 AND weight <= 1),
  PRIMARY KEY (child_id, parent_id)
);

CREATE TABLE messages (
  id INTEGER PRIMARY KEY,
  chat_id INTEGER NOT NULL REFERENCES chats(id) ON DELETE CASCADE,
  role TEXT NOT NULL CHECK (role IN ('user', 'assistant', 'system')),
  content TEXT NOT NULL,
  mix_json TEXT,
  posterior_json TEXT,
  created_at TEXT NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ', 'now'))
);

CREATE TABLE mixes (
  id INTEGER PRIMARY KEY,
  forest_id INTEGER NOT NULL REFERENCES forests(id) ON DELETE CASCADE,
  name TEXT NOT NULL,
  spec_json TEXT NOT NULL,
  created_at TEXT NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ', 'now')),
  UNIQUE (forest_id, name)
);

CREATE TABLE "models" (
  id INTEGER PRIMARY KEY,
  forest_id INTEGER NOT NULL REFERENCES forests(id) ON DELETE CASCADE,
  name TEXT NOT NULL,
  role TEXT NOT NULL CHECK (role IN ('seed', 'expert', 'collapsed', 'imported', 'baseline')),
  domain_id INTEGER REFERENCES domains(id) ON DELETE SET NULL,
  weights_sha256 TEXT,
  weights_bytes INTEGER,
  created_at TEXT NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ', 'now')),
  architecture_json TEXT,
  tokenizer_sha256 TEXT,
  status TEXT NOT NULL DEFAULT 'ready' CHECK (status IN ('training', 'ready', 'removed')),
  kind TEXT NOT NULL DEFAULT 'full' CHECK (kind IN ('full', 'light')),
  base_sha256 TEXT,
  lora_json TEXT,
  collapse_json TEXT,
  UNIQUE (forest_id, name)
);

CREATE INDEX models_by_base ON models(base_sha256);

CREATE TABLE priors (
  id INTEGER PRIMARY KEY,
  forest_id INTEGER NOT NULL REFERENCES forests(id) ON DELETE CASCADE,
  target TEXT NOT NULL,
  model_ids_json TEXT NOT NULL,
  weights_json TEXT NOT NULL,
  sequences INTEGER NOT NULL,
  created_at TEXT NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ', 'now')),
  UNIQUE (forest_id, target)
);

CREATE TABLE run_metrics (
  run_id INTEGER NOT NULL REFERENCES runs(id) ON DELETE CASCADE,
  step INTEGER NOT NULL,
  split TEXT NOT NULL CHECK (split IN ('train', 'valid')),
  loss REAL NOT NULL,
  lr REAL,
  tokens_per_second REAL,
  PRIMARY KEY (run_id, step, split)
);

CREATE TABLE runs (
  id INTEGER PRIMARY KEY,
  model_id INTEGER NOT NULL REFERENCES models(id) ON DELETE CASCADE,
  domain_id INTEGER REFERENCES domains(id) ON DELETE SET NULL,
  config_json TEXT NOT NULL,
  status TEXT NOT NULL CHECK (status IN ('queued', 'running', 'paused', 'done', 'failed', 'cancelled')),
  step INTEGER NOT NULL DEFAULT 0,
  tokens INTEGER NOT NULL DEFAULT 0,
  error TEXT,
  created_at TEXT NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ', 'now')),
  updated_at TEXT NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ', 'now')),
  job_id INTEGER REFERENCES jobs(id) ON DELETE SET NULL,
  device TEXT NOT NULL DEFAULT 'cpu',
  total_steps INTEGER NOT NULL DEFAULT 0,
  run_dir TEXT,
  init_sha256 TEXT,
  estimate_json TEXT,
  elapsed_seconds REAL,
  peak_memory_bytes INTEGER
);

CREATE INDEX runs_by_model ON runs(model_id, id);

CREATE TABLE verdicts (
  id INTEGER PRIMARY KEY,
  forest_id INTEGER NOT NULL REFERENCES forests(id) ON DELETE CASCADE,
  baseline_id INTEGER REFERENCES models(id) ON DELETE SET NULL,
  verdict_json TEXT NOT NULL,
  created_at TEXT NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ', 'now'))
);
