/**
 * The one error type of the project. Core code throws it; the CLI turns it into one line
 * and an exit code. Callers branch on `code`, never on message text.
 */
export type ErrorCode =
  | 'NOT_A_GIT_REPOSITORY'
  | 'NOT_INITIALIZED'
  | 'ALREADY_INITIALIZED'
  | 'USAGE'
  | 'FILE_NOT_FOUND'
  | 'FILE_TOO_LARGE'
  | 'MALFORMED_JSON'
  | 'DUPLICATE_KEY'
  | 'NOT_CANONICAL_JSON'
  | 'SCHEMA_VIOLATION'
  | 'UNKNOWN_TYPE'
  | 'UNKNOWN_SCHEMA_VERSION'
  | 'ID_MISMATCH'
  | 'WRONG_SHARD'
  | 'UNEXPECTED_FILE'
  | 'PRIVATE_KEY_IN_REPOSITORY'
  | 'PATH_OUTSIDE_REPOSITORY'
  | 'KEY_UNREADABLE'
  | 'KEY_NOT_PRIVATE'
  | 'KEY_IS_PRIVATE'
  | 'KEY_PASSPHRASE'
  | 'KEY_NOT_FOUND'
  | 'TRUST_ANCHOR_REMOVED'
  | 'KEY_AMBIGUOUS'
  | 'SIGNER_REQUIRED'
  | 'GPG_FAILED'
  | 'SIGNATURE_INVALID'
  | 'SIGNATURE_UNTRUSTED'
  | 'MEMORY_NOT_FOUND'
  | 'MEMORY_AMBIGUOUS'
  | 'LOCKED'
  | 'GIT_FAILED'
  | 'NOT_VERIFIED'
  | 'INVALID_STATE'
  | 'MEMORY_REMOVED'
  | 'MEMORY_ALTERED'
  | 'SEAL_MISMATCH'
  | 'SEAL_CHAIN'
  | 'CREATED_IN_FUTURE'
  | 'CONFIG_REMOVED'
  | 'TIMESTAMP_INVALID'
  | 'TIMESTAMP_REQUIRED'
  | 'TIMESTAMP_BEFORE_CREATED'
  | 'TSA_FAILED'
  | 'UNKNOWN_PEER'
  | 'PEER_UNREACHABLE'
  | 'TEMPLATE_NOT_FOUND'
  | 'TEMPLATE_INVALID'
  | 'TARGET_NOT_EMPTY'
  | 'SPAWN_NOT_FOUND'
  | 'SPAWN_INVALID'
  | 'PEER_REF_MISSING'
  | 'SIGNATURE_REVOKED'
  | 'MERGE_MISMATCH'
  | 'UNKNOWN_REVISION';

/** Exit codes of every command: 0 success, 1 a check failed, 2 usage or input error. */
export const EXIT_OK = 0;
export const EXIT_FAILED = 1;
export const EXIT_USAGE = 2;

export interface ErrorDetails {
  /** The file the problem is in, relative to the repository root where possible. */
  file?: string;
  /** What the user should do about it, as one imperative sentence. */
  fix?: string;
  /** Exit code; input and usage problems are 2, failed checks are 1. */
  exitCode?: number;
  cause?: unknown;
}

export class RemembrancerError extends Error {
  readonly code: ErrorCode;
  readonly file: string | undefined;
  readonly fix: string | undefined;
  readonly exitCode: number;

  constructor(code: ErrorCode, message: string, details: ErrorDetails = {}) {
    super(message, details.cause === undefined ? undefined : { cause: details.cause });
    this.name = 'RemembrancerError';
    this.code = code;
    this.file = details.file;
    this.fix = details.fix;
    this.exitCode = details.exitCode ?? EXIT_USAGE;
  }
}

export function isRemembrancerError(err: unknown): err is RemembrancerError {
  return err instanceof RemembrancerError;
}

// eslint-disable-next-line no-control-regex -- control characters are what is spelled out
const CONTROL = /[\u0000-\u001f\u007f-\u009f]/g;

/** Control characters (newlines, escape sequences) spelled out as \xNN. */
export function spell(text: string): string {
  return text.replace(CONTROL, (c) => `\\x${c.charCodeAt(0).toString(16).padStart(2, '0')}`);
}

/**
 * Text from a file or a peer as a one-line message shows it: control characters (newlines,
 * escape sequences) spelled out as \xNN, cut at `max` characters. Raw, a key or a type
 * name could fake a line of a report, or fill a terminal.
 */
export function printable(text: string, max = 120): string {
  return spell(text.slice(0, max)) + (text.length > max ? '…' : '');
}

/** A string from a file or a peer in double quotes, printable and cut at `max` characters. */
export function quoted(text: string, max = 64): string {
  const cut = text.slice(0, max).replace(/["\\]/g, (c) => `\\${c}`);
  return `"${spell(cut)}${text.length > max ? '…' : ''}"`;
}
