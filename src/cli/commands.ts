/**
 * The command tree, in the order `--help` lists it. Each verb declares its own flags, help
 * and examples in its `*.command.ts`, beside the `run` it loads only when it runs.
 */
import { adr } from './adr/adr.command.js';
import { covenant } from './covenant.command.js';
import { doctor } from './doctor.command.js';
import { exportVerb } from './export.command.js';
import { federation } from './federation/federation.command.js';
import { hooks } from './hooks/hooks.command.js';
import { init } from './init.command.js';
import { key } from './key/key.command.js';
import { list } from './list.command.js';
import { mcp } from './mcp.command.js';
import { prove } from './prove.command.js';
import { query } from './query.command.js';
import { record } from './record/record.command.js';
import { root } from './root.command.js';
import { seal } from './seal.command.js';
import { show } from './show.command.js';
import { spawn } from './spawn/spawn.command.js';
import { timeline } from './timeline.command.js';
import { timestamp } from './timestamp.command.js';
import { trust } from './trust/trust.command.js';
import { tui } from './tui.command.js';
import { verify } from './verify.command.js';
import { verifyProof } from './verify-proof.command.js';
import type { Verb } from './verb.js';

export const VERBS: readonly Verb[] = [
  init,
  key,
  trust,
  record,
  adr,
  exportVerb,
  list,
  query,
  timeline,
  tui,
  show,
  verify,
  root,
  seal,
  prove,
  verifyProof,
  timestamp,
  mcp,
  spawn,
  hooks,
  federation,
  doctor,
  covenant,
];
