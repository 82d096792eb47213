/** Flags several verbs share, declared once so their help reads the same everywhere. */
import type { Flags } from './verb.js';

export const SIGNING = {
  key: {
    type: 'string',
    describe: 'sign with this private key file (default: REMEMBRANCER_KEY, then your default key)',
  },
  'gpg-key': {
    type: 'string',
    describe: 'sign with this GnuPG key id through gpg (default: REMEMBRANCER_KEY_ID)',
  },
  'passphrase-env': {
    type: 'string',
    describe: "environment variable that holds the key file's passphrase",
  },
} as const satisfies Flags;

export const COMMIT = {
  commit: {
    type: 'boolean',
    default: true,
    describe: 'commit the change (--no-commit only stages it)',
  },
} as const satisfies Flags;

export const JSON_OUTPUT = {
  json: { type: 'boolean', default: false, describe: 'print JSON for scripts (docs/json.md)' },
} as const satisfies Flags;

export const PEER = {
  peer: {
    type: 'string',
    describe: "read an external peer's fetched memories instead of ours",
  },
} as const satisfies Flags;

const dateHelp = (edge: string) =>
  `only memories created ${edge} this UTC date: 2026-01-31, 2026-01-31T08:00Z, or "2 weeks ago", "yesterday"`;

/** The type and date filters of `query` and `timeline`. */
export const WHEN = {
  type: {
    type: 'string',
    describe: 'only this type: deploy(ments), decision(s), seal(s) or spawn(s)',
  },
  since: { type: 'string', describe: dateHelp('on or after') },
  until: { type: 'string', describe: dateHelp('on or before') },
} as const satisfies Flags;

/** Every filter of `query`. */
export const FILTERS = {
  ...WHEN,
  author: {
    type: 'string',
    describe: "only memories whose author's name contains this (any case)",
  },
  component: { type: 'string', describe: 'only deploy receipts of this component' },
} as const satisfies Flags;

export const ADR_STATUSES = ['proposed', 'accepted', 'rejected', 'deprecated'] as const;

export const TAGS = {
  tag: { type: 'string', array: true, default: [], describe: 'a tag (repeatable)' },
} as const satisfies Flags;

/** The text flags shared by `adr create` and `adr supersede`. */
export const ADR_TEXT = {
  context: { type: 'string', describe: 'the context and problem' },
  decision: { type: 'string', describe: 'the decision and why' },
  consequences: { type: 'string', describe: 'what becomes easier or harder' },
  status: {
    choices: ADR_STATUSES,
    describe: 'initial status (default: proposed; accepted for supersede)',
  },
  option: {
    type: 'string',
    array: true,
    default: [],
    describe: 'an option considered (repeatable)',
  },
  decider: {
    type: 'string',
    array: true,
    default: [],
    describe: 'who decided (repeatable; default: the signer)',
  },
  ...TAGS,
  edit: { type: 'boolean', describe: 'write it in $EDITOR even without a terminal' },
} as const satisfies Flags;
