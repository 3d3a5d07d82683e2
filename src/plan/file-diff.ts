// Unified diffs for file operations, always computed on masked text: a plan may be printed, stored or
// served, so no secret may ever reach it.
import { createTwoFilesPatch, FILE_HEADERS_ONLY } from 'diff';
import { maskSecrets, sensitivePrefixes } from './secrets.js';

export interface DiffInput {
  path: string;
  /** What is on the host now; undefined when the file is missing. */
  before: string | undefined;
  after: string;
  secrets: readonly string[];
  /** Extra line prefixes known to hold secrets (from the inventory). */
  knownPrefixes?: readonly string[];
}

export function writeDiff({ path, before, after, secrets, knownPrefixes = [] }: DiffInput): string {
  const prefixes = [...sensitivePrefixes(after, secrets), ...knownPrefixes];
  const maskedAfter = maskSecrets(after, secrets, prefixes);
  const maskedBefore = before === undefined ? '' : maskSecrets(before, secrets, prefixes);
  return createTwoFilesPatch(
    before === undefined ? '/dev/null' : path,
    path,
    maskedBefore,
    maskedAfter,
    undefined,
    undefined,
    { context: 3, headerOptions: FILE_HEADERS_ONLY },
  );
}

/**
 * A removal shows no body: the secrets of a resource that left the desired state are no longer known,
 * so its old content cannot be masked reliably.
 */
export function removeDiff(path: string, before: string | undefined): string {
  const lines = before === undefined ? 0 : before.split('\n').length - (before.endsWith('\n') ? 1 : 0);
  return `--- ${path}\n+++ /dev/null\n@@ file removed (${lines} lines) @@\n`;
}
