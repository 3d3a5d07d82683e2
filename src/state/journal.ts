// The apply journal (<stateDir>/journal.json): a write-ahead record of the pass in flight, with what
// every touched path held before, so a run after a crash can finish or undo it.
//
// Protocol (apply/executor.ts): begin(entries with snapshots) before the first file is touched;
// markDone(keys) once those changes passed validation; the inventory is saved; services reload;
// finish() removes the journal — only when every reload succeeded, so a failed reload is retried.
//
// Recovery (apply/recover.ts): entries not done are undone from their snapshots (they never passed
// validation); done entries are recorded in the inventory and their services validated and
// reloaded. A service that still fails is reported, never thrown (it owes a reload: see
// owed-reloads.ts). Then the journal is removed and the ordinary plan converges the rest.
import { z } from 'zod';
import { TendError } from '../errors/catalogue.js';
import type { Host } from '../host/index.js';
import { KINDS, type Kind, type ResourceKey } from '../model/index.js';
import type { ChangeAction } from '../plan/types.js';
import type { ServiceId } from '../model/service.js';
import { describeIssues } from './inventory-store.js';
import { parseStateFile } from './state-fs.js';

export const JOURNAL_FILE = 'journal.json';
export const journalPath = (stateDir: string) => `${stateDir}/${JOURNAL_FILE}`;

export type PathSnapshot =
  | { path: string; kind: 'absent' }
  | { path: string; kind: 'file'; content: string; mode: number }
  | { path: string; kind: 'link'; target: string };

export interface JournalEntry {
  key: ResourceKey;
  kind: Kind;
  name: string;
  action: ChangeAction;
  generation?: string;
  services: ServiceId[];
  files: string[];
  links: string[];
  before: PathSnapshot[];
  /** Line prefixes of the secrets in the written files, for the inventory (see plan/secrets.ts). */
  sensitivePrefixes?: string[];
  /** A runtime resource's spec fields, for the inventory (see InventoryEntry.runtime). */
  runtime?: Record<string, string>;
  /** Validated and accepted: its files stay; the inventory record or the reload may be missing. */
  done: boolean;
}

export interface ApplyJournal {
  begin(entries: JournalEntry[]): Promise<void>;
  markDone(keys: readonly ResourceKey[]): Promise<void>;
  finish(): Promise<void>;
  /** undefined: no pass was interrupted. */
  read(): Promise<JournalEntry[] | undefined>;
}

const snapshotSchema = z.discriminatedUnion('kind', [
  z.strictObject({ path: z.string(), kind: z.literal('absent') }),
  z.strictObject({ path: z.string(), kind: z.literal('file'), content: z.string(), mode: z.number().int() }),
  z.strictObject({ path: z.string(), kind: z.literal('link'), target: z.string() }),
]);

const journalSchema = z.strictObject({
  version: z.literal(2),
  startedAt: z.string(),
  pid: z.number().int(),
  entries: z.array(
    z.strictObject({
      key: z.custom<ResourceKey>((v) => typeof v === 'string' && /^[A-Z][A-Za-z]+\/.+$/.test(v)),
      kind: z.enum(KINDS),
      name: z.string(),
      action: z.enum(['create', 'update', 'delete', 'no-op']),
      generation: z.string().optional(),
      services: z.array(z.custom<ServiceId>((v) => typeof v === 'string')),
      files: z.array(z.string()),
      links: z.array(z.string()),
      before: z.array(snapshotSchema),
      sensitivePrefixes: z.array(z.string()).optional(),
      runtime: z.record(z.string(), z.string()).optional(),
      done: z.boolean(),
    }),
  ),
});
type JournalFile = z.infer<typeof journalSchema>;

export function fileJournal(host: Host, stateDir: string): ApplyJournal {
  const path = journalPath(stateDir);
  let file: JournalFile | undefined;
  // Holds previous content, possibly secrets: readable by the owner only.
  const write = (f: JournalFile) => host.fs.writeFileAtomic(path, `${JSON.stringify(f)}\n`, 0o600);
  return {
    async begin(entries) {
      if ((await host.fs.readFile(path)) !== undefined) {
        // Overwriting it would lose the only record of what a crashed pass left half done.
        throw new TendError(
          'TEND_ERR_INTERNAL',
          `expected no journal at the start of a pass, got ${path}: recover it first`,
          { path },
        );
      }
      file = {
        version: 2,
        startedAt: new Date(host.now()).toISOString(),
        pid: process.pid,
        entries: entries.map((e) => ({ ...e, done: false })),
      };
      await write(file);
    },
    async markDone(keys) {
      if (!file) throw new TendError('TEND_ERR_INTERNAL', 'journal.markDone before begin');
      const wanted = new Set<string>(keys);
      for (const e of file.entries) if (wanted.has(e.key)) e.done = true;
      await write(file);
    },
    async finish() {
      file = undefined;
      await host.fs.remove(path);
    },
    async read() {
      const content = await host.fs.readFile(path);
      if (content === undefined) return undefined;
      const parsed = await parseStateFile(
        host,
        path,
        content,
        (value) => {
          const r = journalSchema.safeParse(value);
          return r.success ? { ok: true, value: r.data } : { ok: false, reason: describeIssues(r.error) };
        },
        'tend cannot tell which changes were mid-apply: inspect the managed files, then remove the journal to continue.',
      );
      return parsed.entries as JournalEntry[];
    },
  };
}
