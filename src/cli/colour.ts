// Colour for people at a terminal: only on a TTY, never when NO_COLOR is set (https://no-color.org),
// never in --json. Phases read green (Ready, Succeeded), yellow (in progress or held by hand), red.
import type { CliIO } from './io.js';

const CODES = { red: 31, green: 32, yellow: 33, bold: 1 } as const;
export type Colour = keyof typeof CODES;

export function useColour(io: Pick<CliIO, 'isTTY' | 'env'>): boolean {
  return io.isTTY && (io.env.NO_COLOR === undefined || io.env.NO_COLOR === '');
}

export const paint = (colour: Colour, text: string): string => `\x1b[${CODES[colour]}m${text}\x1b[0m`;

const PHASE_COLOUR: Readonly<Record<string, Colour>> = {
  Ready: 'green',
  Succeeded: 'green',
  Pending: 'yellow',
  Progressing: 'yellow',
  Scheduled: 'yellow',
  Running: 'yellow',
  Suspended: 'yellow',
  Stopped: 'yellow',
  Unknown: 'yellow',
  Deleting: 'yellow',
  Degraded: 'red',
  Failed: 'red',
  Expired: 'red',
};

/** Paints every phase word of a rendered status (the padding stays outside the codes). */
export function paintPhases(text: string): string {
  return text.replace(
    /\b(Ready|Succeeded|Pending|Progressing|Scheduled|Running|Suspended|Stopped|Unknown|Deleting|Degraded|Failed|Expired)\b/g,
    (w) => paint(PHASE_COLOUR[w]!, w),
  );
}
