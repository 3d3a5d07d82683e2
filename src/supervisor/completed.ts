// Instances that finished for good (restart: never, or on-failure after exit 0) leave a marker in
// the state dir: <stateDir>/programs/completed/<program>-<n>.json with the generation they ran and
// how they exited. A new `tend serve` reads it and does not start them again; only a spec change
// (another instance generation) does. Without it, every daemon restart reran finished work.
import type { Host } from '../host/index.js';
import { describeExit } from './proc.js';
import type { ExitRecord } from './types.js';

export interface CompletedMarker {
  version: 1;
  program: string;
  index: number;
  instanceGeneration: string;
  exit: ExitRecord;
}

export const completedPath = (dir: string, program: string, index: number) =>
  `${dir}/${program}-${index}.json`;

export async function writeCompleted(host: Host, dir: string, m: CompletedMarker): Promise<void> {
  await host.fs.mkdirp(dir, 0o700);
  await host.fs.writeFileAtomic(completedPath(dir, m.program, m.index), `${JSON.stringify(m)}\n`, 0o600);
}

/** The marker of this slot when it finished on exactly this generation; undefined otherwise. */
export async function readCompleted(
  host: Host,
  dir: string,
  program: string,
  index: number,
  instanceGeneration: string,
): Promise<CompletedMarker | undefined> {
  const text = await host.fs.readFile(completedPath(dir, program, index));
  if (text === undefined) return undefined;
  try {
    const m = JSON.parse(text) as CompletedMarker;
    return m.version === 1 && m.instanceGeneration === instanceGeneration ? m : undefined;
  } catch {
    return undefined;
  }
}

export async function removeCompleted(
  host: Host,
  dir: string,
  program: string,
  index: number,
): Promise<void> {
  await host.fs.remove(completedPath(dir, program, index));
}

/** Writes the marker of a slot that finished for good on `spec`; a failed write is not fatal. */
export async function recordCompleted(
  host: Host,
  dir: string,
  spec: { name: string; instanceGeneration: string },
  index: number,
  exit: ExitRecord,
): Promise<void> {
  const marker: CompletedMarker = {
    version: 1,
    program: spec.name,
    index,
    instanceGeneration: spec.instanceGeneration,
    exit,
  };
  await writeCompleted(host, dir, marker).catch(() => undefined);
}

export function restoredMessage(index: number, m: CompletedMarker): string {
  const how = describeExit(m.exit.code, m.exit.signal as NodeJS.Signals | null);
  return `instance ${index} finished earlier (${how}); not started again until its spec changes`;
}
