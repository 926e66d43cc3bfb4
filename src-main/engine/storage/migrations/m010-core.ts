import type { Migration } from './index.ts';

// The core entities: the project's one stimulus set (categories, images, thumbnails), its model library
// (models and their taps) and its runs. Paths are stored relative to the folder that holds the project
// file when they are inside it, so a project folder can be moved or shared as a whole.
export const m010Core: Migration = {
  version: 10,
  name: 'core',
  up(db) {
    db.exec(`
      CREATE TABLE meta (
        key TEXT PRIMARY KEY,
        value TEXT NOT NULL
      ) STRICT;

      CREATE TABLE categories (
        id INTEGER PRIMARY KEY,
        name TEXT NOT NULL UNIQUE,
        role TEXT NOT NULL CHECK (role IN ('target', 'control')),
        controls_for TEXT,
        position INTEGER NOT NULL
      ) STRICT;

      CREATE TABLE images (
        id INTEGER PRIMARY KEY,
        category_id INTEGER NOT NULL REFERENCES categories(id) ON DELETE CASCADE,
        subcategory TEXT,
        path TEXT NOT NULL UNIQUE,
        storage TEXT NOT NULL CHECK (storage IN ('referenced', 'copied', 'generated')),
        sha256 TEXT NOT NULL,
        bytes INTEGER NOT NULL,
        width INTEGER NOT NULL,
        height INTEGER NOT NULL,
        channels INTEGER NOT NULL,
        format TEXT NOT NULL,
        status TEXT NOT NULL DEFAULT 'ok' CHECK (status IN ('ok', 'missing', 'changed')),
        added_at TEXT NOT NULL
      ) STRICT;
      CREATE INDEX images_category ON images(category_id);
      CREATE INDEX images_sha256 ON images(sha256);

      CREATE TABLE thumbnails (
        image_id INTEGER PRIMARY KEY REFERENCES images(id) ON DELETE CASCADE,
        width INTEGER NOT NULL,
        height INTEGER NOT NULL,
        mime TEXT NOT NULL,
        data BLOB NOT NULL
      ) STRICT;

      CREATE TABLE models (
        id INTEGER PRIMARY KEY,
        name TEXT NOT NULL UNIQUE,
        path TEXT NOT NULL,
        storage TEXT NOT NULL CHECK (storage IN ('referenced', 'copied', 'generated', 'downloaded')),
        sha256 TEXT NOT NULL,
        bytes INTEGER NOT NULL,
        source TEXT,
        preprocessing TEXT NOT NULL,
        input_name TEXT NOT NULL,
        output_kind TEXT NOT NULL DEFAULT 'unknown' CHECK (output_kind IN ('classifier', 'embedding', 'unknown')),
        added_at TEXT NOT NULL
      ) STRICT;

      CREATE TABLE taps (
        id INTEGER PRIMARY KEY,
        model_id INTEGER NOT NULL REFERENCES models(id) ON DELETE CASCADE,
        position INTEGER NOT NULL,
        name TEXT NOT NULL,
        tensor TEXT NOT NULL,
        channels INTEGER NOT NULL,
        height INTEGER NOT NULL,
        width INTEGER NOT NULL,
        UNIQUE (model_id, name)
      ) STRICT;

      CREATE TABLE runs (
        id INTEGER PRIMARY KEY,
        model_id INTEGER NOT NULL REFERENCES models(id),
        parent_run INTEGER REFERENCES runs(id),
        status TEXT NOT NULL CHECK (status IN ('pending', 'running', 'interrupted', 'failed', 'cancelled', 'finished')),
        recipe TEXT NOT NULL,
        manifest TEXT,
        provider TEXT,
        provider_fallback TEXT,
        created_at TEXT NOT NULL,
        finished_at TEXT,
        seconds REAL,
        images INTEGER NOT NULL DEFAULT 0,
        error TEXT
      ) STRICT;
    `);
  },
};
