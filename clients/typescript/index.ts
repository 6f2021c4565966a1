/**
 * orasd/client: the TypeScript client of the orasd daemon, for editor plugins and Node programs.
 * Typed by the protocol package; progress as callbacks or events; cancellation by AbortSignal
 * or vscode-jsonrpc CancellationToken.
 */
export { OrasdClient, OrasdRequestError, type CallOptions, type ConnectOptions } from './client';
export { connectSocket, spawnDaemon } from './connect';
export * from '../../protocol';
