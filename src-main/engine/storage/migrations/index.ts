// Schema migrations, numbered in steps of 10 so a fix can slot in between. Never edit a step that has
// shipped: add a new one. Each step runs inside the same transaction as the others that are pending.
import type { Database } from 'better-sqlite3';
import { m010Core } from './m010-core.ts';
import { m040Results } from './m040-results.ts';
import { m060Analyses } from './m060-analyses.ts';
import { m070StorageTotals } from './m070-storage-totals.ts';
import { m080TapLayout } from './m080-tap-layout.ts';
import { m090RunBootstraps } from './m090-run-bootstraps.ts';
import { m100Studies } from './m100-studies.ts';
import { m110UnitRecords } from './m110-unit-records.ts';
import { m120Checksums } from './m120-checksums.ts';
import { m130TapBatchAxis } from './m130-tap-batch-axis.ts';
import { m140TokenLayerUnits } from './m140-token-layer-units.ts';
import { m150StatChunks } from './m150-stat-chunks.ts';

export interface Migration {
  version: number;
  name: string;
  up(db: Database): void;
}

export const MIGRATIONS: readonly Migration[] = [m010Core, m040Results, m060Analyses, m070StorageTotals, m080TapLayout, m090RunBootstraps, m100Studies, m110UnitRecords, m120Checksums, m130TapBatchAxis, m140TokenLayerUnits, m150StatChunks];

export const LATEST_SCHEMA_VERSION = MIGRATIONS.reduce((max, m) => Math.max(max, m.version), 0);
