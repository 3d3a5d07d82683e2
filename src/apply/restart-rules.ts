// Which config changes a reload cannot apply. php-fpm's listen sockets are inherited across the USR2
// re-exec, so a new listen owner, group or mode only takes effect after a full restart.
import type { FileOp } from '../plan/types.js';

const LISTEN_KEYS = /^(listen|listen\.owner|listen\.group|listen\.mode)\s*=\s*(.*)$/;

function listenSettings(content: string | undefined): string {
  if (!content) return '';
  return content
    .split('\n')
    .map((line) => LISTEN_KEYS.exec(line.trim()))
    .filter((m): m is RegExpExecArray => m !== null)
    .map((m) => `${m[1]}=${m[2]}`)
    .sort()
    .join('\n');
}

/** True when a pool file that already existed changes its listen ownership or mode. */
export function opNeedsRestart(op: FileOp): boolean {
  if (op.op !== 'write' || !op.service.startsWith('php-fpm@') || op.before === undefined) return false;
  const before = listenSettings(op.before)
    .split('\n')
    .filter((l) => !l.startsWith('listen='));
  const after = listenSettings(op.content)
    .split('\n')
    .filter((l) => !l.startsWith('listen='));
  return before.join('\n') !== after.join('\n');
}
