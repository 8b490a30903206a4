// The catalog's schema history. Each migration runs once, in order, inside a transaction; the applied
// version is SQLite's user_version. Never edit a released migration: add the next one.
import type { Database } from 'better-sqlite3';

export interface Migration {
  version: number;
  name: string;
  /**
   * The migration rebuilds a table others reference (SQLite's way to change a CHECK): it runs with foreign keys
   * off, so dropping the old table neither cascades nor fails, and the keys are checked before it commits.
   */
  rebuildsTables?: boolean;
  up(db: Database): void;
}

const now = "(strftime('%Y-%m-%dT%H:%M:%fZ', 'now'))";

export const migrations: readonly Migration[] = [
  {
    version: 1,
    name: 'forests, domains, models',
    up(db) {
      db.exec(`
        CREATE TABLE forests (
          id INTEGER PRIMARY KEY,
          name TEXT NOT NULL UNIQUE,
          created_at TEXT NOT NULL DEFAULT ${now}
        );
        CREATE TABLE domains (
          id INTEGER PRIMARY KEY,
          forest_id INTEGER NOT NULL REFERENCES forests(id) ON DELETE CASCADE,
          name TEXT NOT NULL,
          source_path TEXT,
          created_at TEXT NOT NULL DEFAULT ${now},
          UNIQUE (forest_id, name)
        );
        CREATE TABLE models (
          id INTEGER PRIMARY KEY,
          forest_id INTEGER NOT NULL REFERENCES forests(id) ON DELETE CASCADE,
          name TEXT NOT NULL,
          role TEXT NOT NULL CHECK (role IN ('seed', 'expert', 'collapsed', 'imported')),
          domain_id INTEGER REFERENCES domains(id) ON DELETE SET NULL,
          weights_sha256 TEXT,
          weights_bytes INTEGER,
          created_at TEXT NOT NULL DEFAULT ${now},
          UNIQUE (forest_id, name)
        );
      `);
    },
  },
  {
    version: 2,
    name: 'BTM: ingest reports, lineage, runs, checkpoints, priors, evaluations, jobs, chats',
    up(db) {
      db.exec(`
        ALTER TABLE domains ADD COLUMN stats_json TEXT;
        ALTER TABLE models ADD COLUMN architecture_json TEXT;
        ALTER TABLE models ADD COLUMN tokenizer_sha256 TEXT;
        ALTER TABLE models ADD COLUMN status TEXT NOT NULL DEFAULT 'ready' CHECK (status IN ('training', 'ready', 'removed'));

        -- One row per file of a domain's folder: accepted (with its split) or skipped (with the reason).
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

        -- Branch edges: the child was initialised as sum(weight * parent).
        CREATE TABLE lineage (
          child_id INTEGER NOT NULL REFERENCES models(id) ON DELETE CASCADE,
          parent_id INTEGER NOT NULL REFERENCES models(id) ON DELETE RESTRICT,
          weight REAL NOT NULL CHECK (weight >= 0 AND weight <= 1),
          PRIMARY KEY (child_id, parent_id)
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
          created_at TEXT NOT NULL DEFAULT ${now},
          updated_at TEXT NOT NULL DEFAULT ${now}
        );

        -- Loss history, one row per logged step (train) or evaluation (valid).
        CREATE TABLE run_metrics (
          run_id INTEGER NOT NULL REFERENCES runs(id) ON DELETE CASCADE,
          step INTEGER NOT NULL,
          split TEXT NOT NULL CHECK (split IN ('train', 'valid')),
          loss REAL NOT NULL,
          lr REAL,
          tokens_per_second REAL,
          PRIMARY KEY (run_id, step, split)
        );

        CREATE TABLE checkpoints (
          id INTEGER PRIMARY KEY,
          run_id INTEGER NOT NULL REFERENCES runs(id) ON DELETE CASCADE,
          step INTEGER NOT NULL,
          path TEXT NOT NULL,
          sha256 TEXT NOT NULL,
          bytes INTEGER NOT NULL,
          created_at TEXT NOT NULL DEFAULT ${now},
          UNIQUE (run_id, step)
        );

        -- Cached domain priors (BTM section 2.3), keyed by target: a domain, a folder, a chat or the mix.
        CREATE TABLE priors (
          id INTEGER PRIMARY KEY,
          forest_id INTEGER NOT NULL REFERENCES forests(id) ON DELETE CASCADE,
          target TEXT NOT NULL,
          model_ids_json TEXT NOT NULL,
          weights_json TEXT NOT NULL,
          sequences INTEGER NOT NULL,
          created_at TEXT NOT NULL DEFAULT ${now},
          UNIQUE (forest_id, target)
        );

        -- A model or an ensemble (spec as JSON) scored on one domain split.
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
          created_at TEXT NOT NULL DEFAULT ${now}
        );

        -- The persistent job queue: survives restarts; a job left 'running' by a crash is re-queued.
        CREATE TABLE jobs (
          id INTEGER PRIMARY KEY,
          kind TEXT NOT NULL,
          payload_json TEXT NOT NULL,
          status TEXT NOT NULL CHECK (status IN ('queued', 'running', 'paused', 'done', 'failed', 'cancelled')),
          progress_json TEXT,
          error TEXT,
          attempts INTEGER NOT NULL DEFAULT 0,
          created_at TEXT NOT NULL DEFAULT ${now},
          updated_at TEXT NOT NULL DEFAULT ${now}
        );
        CREATE INDEX jobs_by_status ON jobs(status, id);

        CREATE TABLE chats (
          id INTEGER PRIMARY KEY,
          forest_id INTEGER NOT NULL REFERENCES forests(id) ON DELETE CASCADE,
          title TEXT NOT NULL,
          created_at TEXT NOT NULL DEFAULT ${now}
        );
        CREATE TABLE messages (
          id INTEGER PRIMARY KEY,
          chat_id INTEGER NOT NULL REFERENCES chats(id) ON DELETE CASCADE,
          role TEXT NOT NULL CHECK (role IN ('user', 'assistant', 'system')),
          content TEXT NOT NULL,
          mix_json TEXT,
          posterior_json TEXT,
          created_at TEXT NOT NULL DEFAULT ${now}
        );
      `);
    },
  },
  {
    version: 3,
    name: 'runs: job, device, planned steps, folder; jobs: owner process; forests: training settings',
    up(db) {
      db.exec(`
        ALTER TABLE runs ADD COLUMN job_id INTEGER REFERENCES jobs(id) ON DELETE SET NULL;
        ALTER TABLE runs ADD COLUMN device TEXT NOT NULL DEFAULT 'cpu';
        ALTER TABLE runs ADD COLUMN total_steps INTEGER NOT NULL DEFAULT 0;
        ALTER TABLE runs ADD COLUMN run_dir TEXT;
        -- The weights a run started from (a branch's average, or the model's weights before more training).
        ALTER TABLE runs ADD COLUMN init_sha256 TEXT;
        -- The process running a job: a job is recovered at start-up only when that process is gone,
        -- so a second Grove process (the CLI beside the app) never takes over a live job.
        ALTER TABLE jobs ADD COLUMN owner_pid INTEGER;
        -- Training defaults of the forest (context, batch, learning rate), JSON; null = derived from the seed's size.
        ALTER TABLE forests ADD COLUMN settings_json TEXT;
        CREATE INDEX runs_by_model ON runs(model_id, id);
      `);
    },
  },
  {
    version: 4,
    name: "jobs: the owner process's start time",
    up(db) {
      db.exec(`
        -- Beside owner_pid: a pid reused by an unrelated process after the owner died must not keep the job
        -- 'running' forever (process-alive.ts processStartTime; null where the platform does not say).
        ALTER TABLE jobs ADD COLUMN owner_start TEXT;
      `);
    },
  },
  {
    version: 5,
    name: 'models: light experts (kind, base, LoRA settings); saved mixes',
    up(db) {
      db.exec(`
        -- 'full': a whole model (model.safetensors). 'light': low-rank adapters (a PEFT adapter folder in the
        -- store) over a frozen base, named by the base's store address; lora_json holds rank, alpha, targets.
        ALTER TABLE models ADD COLUMN kind TEXT NOT NULL DEFAULT 'full' CHECK (kind IN ('full', 'light'));
        ALTER TABLE models ADD COLUMN base_sha256 TEXT;
        ALTER TABLE models ADD COLUMN lora_json TEXT;
        CREATE INDEX models_by_base ON models(base_sha256);
        -- A mix the person saved (the chat panel, grove mix save): a name and the mix as JSON (models,
        -- weights or prior settings), callable by name (the OpenAI-compatible endpoint lists them).
        CREATE TABLE mixes (
          id INTEGER PRIMARY KEY,
          forest_id INTEGER NOT NULL REFERENCES forests(id) ON DELETE CASCADE,
          name TEXT NOT NULL,
          spec_json TEXT NOT NULL,
          created_at TEXT NOT NULL DEFAULT ${now},
          UNIQUE (forest_id, name)
        );
      `);
    },
  },
  {
    version: 6,
    name: "models: the 'baseline' role (the compute-matched dense model); verdicts",
    rebuildsTables: true,
    up(db) {
      // SQLite cannot widen a CHECK in place: the table is made again with the same columns, in the same
      // order, and the rows copied (the 12-step procedure of SQLite's ALTER TABLE page, foreign keys off).
      db.exec(`
        CREATE TABLE models_v6 (
          id INTEGER PRIMARY KEY,
          forest_id INTEGER NOT NULL REFERENCES forests(id) ON DELETE CASCADE,
          name TEXT NOT NULL,
          -- 'baseline': the dense model trained on the mix of the experts' domains with their compute, to judge the forest by.
          role TEXT NOT NULL CHECK (role IN ('seed', 'expert', 'collapsed', 'imported', 'baseline')),
          domain_id INTEGER REFERENCES domains(id) ON DELETE SET NULL,
          weights_sha256 TEXT,
          weights_bytes INTEGER,
          created_at TEXT NOT NULL DEFAULT ${now},
          architecture_json TEXT,
          tokenizer_sha256 TEXT,
          status TEXT NOT NULL DEFAULT 'ready' CHECK (status IN ('training', 'ready', 'removed')),
          kind TEXT NOT NULL DEFAULT 'full' CHECK (kind IN ('full', 'light')),
          base_sha256 TEXT,
          lora_json TEXT,
          UNIQUE (forest_id, name)
        );
        INSERT INTO models_v6 SELECT id, forest_id, name, role, domain_id, weights_sha256, weights_bytes, created_at, architecture_json,
          tokenizer_sha256, status, kind, base_sha256, lora_json FROM models;
        DROP TABLE models;
        ALTER TABLE models_v6 RENAME TO models;
        CREATE INDEX models_by_base ON models(base_sha256);

        -- "Compare with one model": per domain, the forest (its ensemble, and its collapsed model where it has
        -- one) against the baseline, as the evaluations stood when it was judged (JSON); the newest is shown.
        CREATE TABLE verdicts (
          id INTEGER PRIMARY KEY,
          forest_id INTEGER NOT NULL REFERENCES forests(id) ON DELETE CASCADE,
          baseline_id INTEGER REFERENCES models(id) ON DELETE SET NULL,
          verdict_json TEXT NOT NULL,
          created_at TEXT NOT NULL DEFAULT ${now}
        );
      `);
    },
  },
  {
    version: 7,
    name: 'hub_sources: the Hub repository a stored model came from',
    up(db) {
      db.exec(`
        -- A model of the store that came from the Hugging Face Hub (downloaded, or planted from a Hub cache
        -- snapshot): its repository id, by store address. A light expert over it is exported as a PEFT adapter
        -- naming that repository (base_model_name_or_path), which is where PEFT loads the base from.
        CREATE TABLE hub_sources (
          weights_sha256 TEXT PRIMARY KEY,
          repo_id TEXT NOT NULL,
          created_at TEXT NOT NULL DEFAULT ${now}
        );
      `);
    },
  },
  {
    version: 8,
    name: 'runs: the estimate shown before the run, and what it took',
    up(db) {
      db.exec(`
        -- What the new-expert flow estimated when the run was queued (seconds, peak memory, where the speed came
        -- from; JSON), and what the run took: its training seconds (across pauses and resumes) and the peak memory
        -- of its job's process; shown side by side so that estimates can be judged.
        ALTER TABLE runs ADD COLUMN estimate_json TEXT;
        ALTER TABLE runs ADD COLUMN elapsed_seconds REAL;
        ALTER TABLE runs ADD COLUMN peak_memory_bytes INTEGER;
      `);
    },
  },
  {
    version: 9,
    name: 'collapse_trials: the merge methods scored on a target before a collapse',
    up(db) {
      db.exec(`
        -- "Which collapse is best": the chosen experts merged with each merge method and scored on a held-out
        -- sample of a target (JSON, schemas-collapse-trial.ts), by the job that ran it, so the app can show the
        -- perplexities and preselect the best.
        CREATE TABLE collapse_trials (
          id INTEGER PRIMARY KEY,
          forest_id INTEGER NOT NULL REFERENCES forests(id) ON DELETE CASCADE,
          job_id INTEGER NOT NULL,
          trial_json TEXT NOT NULL,
          created_at TEXT NOT NULL DEFAULT ${now}
        );
      `);
    },
  },
  {
    version: 10,
    name: 'clusterers: the domains discovered in a folder, for routing by cluster (c-BTM)',
    up(db) {
      db.exec(`
        -- A folder's domains discovered by clustering (issue 18): the clusterer file in the forest home (TF-IDF
        -- vocabulary and idf, SVD components, the cluster centres; JSON) and, per cluster in its order, the domain
        -- grown from it (null: dropped; one name twice: merged), recorded when the experts are grown.
        CREATE TABLE clusterers (
          id INTEGER PRIMARY KEY,
          forest_id INTEGER NOT NULL REFERENCES forests(id) ON DELETE CASCADE,
          folder TEXT NOT NULL,
          file TEXT NOT NULL,
          domains_json TEXT NOT NULL,
          created_at TEXT NOT NULL DEFAULT ${now}
        );
      `);
    },
  },
  {
    version: 11,
    name: 'models: how a collapsed model was made (merge method, settings, weights)',
    up(db) {
      db.exec(`
        -- A collapse's merge method, its settings and the weights' source (shared/api/collapse-facts.ts; JSON), so
        -- the heatmap and grove eval can say which collapse is which. Null: not a collapse, or one made before.
        ALTER TABLE models ADD COLUMN collapse_json TEXT;
      `);
    },
  },
];

export const latestVersion = migrations.at(-1)?.version ?? 0;
