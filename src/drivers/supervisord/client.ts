// supervisord's XML-RPC API over its unix socket (POST /RPC2). Typed methods, named fault codes; no
// supervisorctl, so no parsing of its output or exit codes (ravact's bug, supervisor#1223).
import { request } from 'node:http';
import { TendError, isTendError } from '../../errors/catalogue.js';
import { decodeResponse, encodeCall, type XmlRpcValue } from './xmlrpc.js';

/** supervisor/xmlrpc.py Faults. */
export const FAULT = {
  UNKNOWN_METHOD: 1,
  INCORRECT_PARAMETERS: 2,
  BAD_ARGUMENTS: 3,
  SHUTDOWN_STATE: 6,
  BAD_NAME: 10,
  BAD_SIGNAL: 11,
  NO_FILE: 20,
  NOT_EXECUTABLE: 21,
  FAILED: 30,
  ABNORMAL_TERMINATION: 40,
  SPAWN_ERROR: 50,
  ALREADY_STARTED: 60,
  NOT_RUNNING: 70,
  SUCCESS: 80,
  ALREADY_ADDED: 90,
  STILL_RUNNING: 91,
  CANT_REREAD: 92,
} as const;
export type FaultName = keyof typeof FAULT;

export function faultCodeOf(err: unknown): number | undefined {
  if (!isTendError(err, 'TEND_ERR_SUPERVISORD')) return undefined;
  const code = err.details.faultCode;
  return typeof code === 'number' ? code : undefined;
}
export const isFault = (err: unknown, ...names: FaultName[]) =>
  names.some((n) => faultCodeOf(err) === FAULT[n]);

/** One entry of getAllProcessInfo / getProcessInfo. */
export interface ProcessInfo {
  name: string;
  group: string;
  description: string;
  start: number;
  stop: number;
  now: number;
  state: number;
  statename: string;
  spawnerr: string;
  exitstatus: number;
  logfile: string;
  stdout_logfile: string;
  stderr_logfile: string;
  pid: number;
}

/** One entry of the arrays returned by the *ProcessGroup calls. */
export interface GroupResult {
  name: string;
  group: string;
  status: number;
  description: string;
}

export interface SupervisordClientOptions {
  socket: string;
  /** Per-call limit; stop calls wait for stopwaitsecs, so they take their own. */
  timeoutMs?: number;
}

export class SupervisordClient {
  readonly socket: string;
  private readonly timeoutMs: number;

  constructor(opts: SupervisordClientOptions) {
    this.socket = opts.socket;
    this.timeoutMs = opts.timeoutMs ?? 30_000;
  }

  /** One XML-RPC call; a connection failure is TEND_ERR_SUPERVISORD with details.unreachable. */
  call(
    method: string,
    params: readonly XmlRpcValue[] = [],
    timeoutMs = this.timeoutMs,
  ): Promise<XmlRpcValue> {
    const body = Buffer.from(encodeCall(method, params), 'utf8');
    return new Promise((resolve, reject) => {
      const req = request(
        {
          socketPath: this.socket,
          path: '/RPC2',
          method: 'POST',
          agent: false,
          headers: { 'Content-Type': 'text/xml', 'Content-Length': body.length },
        },
        (res) => {
          const chunks: Buffer[] = [];
          res.on('data', (c: Buffer) => chunks.push(c));
          res.on('error', reject);
          res.on('end', () => {
            const text = Buffer.concat(chunks).toString('utf8');
            if (res.statusCode !== 200) {
              reject(
                new TendError(
                  'TEND_ERR_SUPERVISORD',
                  `supervisord answered ${method} with HTTP ${res.statusCode}`,
                  {
                    method,
                    status: res.statusCode,
                  },
                ),
              );
              return;
            }
            try {
              resolve(decodeResponse(text));
            } catch (err) {
              if (isTendError(err)) err.details.method = method;
              reject(err);
            }
          });
        },
      );
      req.setTimeout(timeoutMs, () =>
        req.destroy(
          new TendError(
            'TEND_ERR_SUPERVISORD',
            `supervisord did not answer ${method} within ${timeoutMs} ms`,
          ),
        ),
      );
      req.on('error', (err: NodeJS.ErrnoException) => {
        if (isTendError(err)) return reject(err);
        reject(
          new TendError(
            'TEND_ERR_SUPERVISORD',
            `cannot reach supervisord at ${this.socket}: ${err.code ?? err.message}`,
            {
              method,
              socket: this.socket,
              unreachable: true,
              errno: err.code,
            },
          ),
        );
      });
      req.end(body);
    });
  }

  async getState(): Promise<{ statecode: number; statename: string }> {
    return (await this.call('supervisor.getState')) as { statecode: number; statename: string };
  }
  async getPID(): Promise<number> {
    return (await this.call('supervisor.getPID')) as number;
  }
  /** Re-reads the config files; the groups that differ from the running config. Applies nothing. */
  async reloadConfig(): Promise<{ added: string[]; changed: string[]; removed: string[] }> {
    const result = (await this.call('supervisor.reloadConfig')) as string[][][];
    const [added = [], changed = [], removed = []] = result[0] ?? [];
    return { added, changed, removed };
  }
  async addProcessGroup(name: string): Promise<boolean> {
    return (await this.call('supervisor.addProcessGroup', [name])) as boolean;
  }
  async removeProcessGroup(name: string): Promise<boolean> {
    return (await this.call('supervisor.removeProcessGroup', [name])) as boolean;
  }
  async startProcess(name: string, wait = true, timeoutMs?: number): Promise<boolean> {
    return (await this.call('supervisor.startProcess', [name, wait], timeoutMs)) as boolean;
  }
  async stopProcess(name: string, wait = true, timeoutMs?: number): Promise<boolean> {
    return (await this.call('supervisor.stopProcess', [name, wait], timeoutMs)) as boolean;
  }
  async startProcessGroup(name: string, wait = true, timeoutMs?: number): Promise<GroupResult[]> {
    return (await this.call(
      'supervisor.startProcessGroup',
      [name, wait],
      timeoutMs,
    )) as unknown as GroupResult[];
  }
  async stopProcessGroup(name: string, wait = true, timeoutMs?: number): Promise<GroupResult[]> {
    return (await this.call(
      'supervisor.stopProcessGroup',
      [name, wait],
      timeoutMs,
    )) as unknown as GroupResult[];
  }
  async getAllProcessInfo(): Promise<ProcessInfo[]> {
    return (await this.call('supervisor.getAllProcessInfo')) as unknown as ProcessInfo[];
  }
  async getProcessInfo(name: string): Promise<ProcessInfo> {
    return (await this.call('supervisor.getProcessInfo', [name])) as unknown as ProcessInfo;
  }
  /** Signal by name ("HUP") or number; supervisord sends it to the process, not its group. */
  async signalProcess(name: string, signal: string | number): Promise<boolean> {
    return (await this.call('supervisor.signalProcess', [name, String(signal)])) as boolean;
  }
  async tailProcessStdoutLog(
    name: string,
    offset: number,
    length: number,
  ): Promise<{ bytes: string; offset: number; overflow: boolean }> {
    const [bytes, next, overflow] = (await this.call('supervisor.tailProcessStdoutLog', [
      name,
      offset,
      length,
    ])) as [string, number, boolean];
    return { bytes, offset: next, overflow };
  }
  async shutdown(): Promise<boolean> {
    return (await this.call('supervisor.shutdown')) as boolean;
  }
}
