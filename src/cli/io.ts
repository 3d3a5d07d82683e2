// What a command gets: its arguments and where to write. Commands return an exit code; only main.ts exits.
export interface CliIO {
  stdout: (text: string) => void;
  stderr: (text: string) => void;
  cwd: string;
  env: NodeJS.ProcessEnv;
  isTTY: boolean;
}

export type Command = (args: string[], io: CliIO) => Promise<number>;
