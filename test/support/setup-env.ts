// Every test process gets its own Unitscope home (recent-projects list, settings) so tests never read
// or write the developer's real one. Child CLI processes inherit it through the environment.
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

process.env.UNITSCOPE_HOME ??= mkdtempSync(join(tmpdir(), 'unitscope-home-'));
