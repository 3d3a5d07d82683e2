// The built-in web terminal: servers per Terminal resource, their manager, and token access for the CLI.
export { TerminalManager, checkBackend, type TerminalApplyResult, type TerminalEvent } from './manager.js';
export {
  TerminalServer,
  type SessionEvent,
  type TerminalLogger,
  type TerminalServerOptions,
  type TerminalStatus,
} from './server.js';
export type { SessionInfo, TerminalMode, EndReason } from './session.js';
export { ensureTerminalToken, readTerminalToken, removeTerminalToken, terminalTokenPath } from './token.js';
export { CLOSE } from './protocol.js';
export { LOGIN_TICKET_TTL_MS, loginUrl, mintLoginTicket } from './login.js';
export { nodePtyProvider, type PtyProvider, type PtyProcess } from './pty.js';
