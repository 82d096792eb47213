/**
 * Secret key material in any bytes, found by what the bytes are rather than by what a label
 * says: the one check behind "nothing secret under .remembrancer/" (docs/threat-model.md).
 *
 * - OpenPGP: every ASCII armour block, whatever its header line claims (a secret key
 *   armoured as PUBLIC KEY BLOCK, MESSAGE or SIGNATURE), is de-armoured and its packets
 *   walked; so are raw binary packets at the start of a file. A Secret-Key (tag 5) or
 *   Secret-Subkey (tag 7) packet whose body reads as a key is secret material. Compressed
 *   and literal data packets are opened and looked into.
 * - OpenSSH: the private key armour, and its binary magic `openssh-key-v1\0` anywhere.
 * - PEM and DER: blocks labelled as private keys; PKCS#8 (plain and encrypted), PKCS#1 RSA,
 *   SEC1 EC and PKCS#12 structures, in DER or inside a block with any label.
 * - The same inside JSON strings (armour with `\n` escapes, or any `\uXXXX`-escaped
 *   text), in base64 runs that decode to any of the above, and in UTF-16 text.
 *
 * The packet walk is written here rather than done with openpgp.js: it reads a few header
 * bytes per packet, synchronously, and runs on every file a pre-commit hook stages (each
 * memory holds an armoured signature); `bench/secret-keys.ts` measures it beside
 * openpgp.js's own parser, and docs/dependencies.md says what it found.
 *
 * Markers are spelled in pieces so that this file does not itself read as holding a key
 * to secret scanners.
 */
import { inflateRawSync, inflateSync } from 'node:zlib';

export interface SecretKeyFinding {
  /** What the material is: "an OpenPGP secret key", "an OpenSSH private key"… */
  what: string;
  /** How it was written, outermost first: "in a JSON string", "base64"… (empty: as is). */
  via: string[];
}

/** One phrase for messages: "an OpenPGP secret key (in an armour block labelled …)". */
export function describeSecretKey(finding: SecretKeyFinding): string {
  return finding.via.length > 0 ? `${finding.what} (${finding.via.join(', ')})` : finding.what;
}

/** Whether `bytes` hold secret key material, and what kind; undefined when they do not. */
export function findSecretKey(bytes: Uint8Array): SecretKeyFinding | undefined {
  const buffer = Buffer.isBuffer(bytes)
    ? bytes
    : Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  return scan(buffer, 0);
}

/** How deep encodings nest (base64 of armour in a JSON string…) before we stop looking. */
const MAX_DEPTH = 4;
/** Bytes a compressed packet may inflate to: past this, what is left is not looked at. */
const MAX_INFLATED = 16 * 1024 * 1024;
/**
 * Base64 runs shorter than this are not decoded: the smallest secret key packet (an
 * unencrypted X25519 or Ed25519 one) is 75 bytes, 100 characters; hex ids and digests
 * (64 characters) stay below it.
 */
const MIN_BASE64_CHARS = 96;

const PRIVATE_KEY = ['PRIVATE', 'KEY'].join(' ');
const OPENSSH_MAGIC = Buffer.from('openssh-key-v1\0', 'latin1');
const PUTTY = 'PuTTY-User-Key-File-';

function scan(b: Buffer, depth: number): SecretKeyFinding | undefined {
  if (b.length === 0 || depth > MAX_DEPTH) return undefined;
  return binary(b, depth) ?? text(b, depth);
}

function inside(via: string, found: SecretKeyFinding | undefined): SecretKeyFinding | undefined {
  return found && { what: found.what, via: [via, ...found.via] };
}

// --- binary ------------------------------------------------------------------------------

function binary(b: Buffer, depth: number): SecretKeyFinding | undefined {
  const first = b[0] as number;
  if (first & 0x80) {
    const found = walkPackets(b, { lenient: false, depth });
    if (found) return found;
  }
  if (first === 0x30) {
    const what = derPrivateKey(b);
    if (what) return { what, via: [] };
  }
  for (let at = b.indexOf(OPENSSH_MAGIC); at !== -1; at = b.indexOf(OPENSSH_MAGIC, at + 1)) {
    if (opensshKeyAt(b, at + OPENSSH_MAGIC.length)) {
      return { what: 'an OpenSSH private key', via: [] };
    }
  }
  return undefined;
}

/**
 * Whether what follows the `openssh-key-v1` magic reads as OpenSSH's private key format
 * (PROTOCOL.key): a cipher name, a KDF name ("none" or "bcrypt"), KDF options and a count of
 * keys, each length-prefixed. The magic alone is only a constant (a program that parses
 * such keys holds it too).
 */
function opensshKeyAt(b: Buffer, at: number): boolean {
  const name = (pos: number): [string, number] | undefined => {
    if (pos + 4 > b.length) return undefined;
    const length = b.readUInt32BE(pos);
    if (length < 1 || length > 64 || pos + 4 + length > b.length) return undefined;
    const text = b.toString('latin1', pos + 4, pos + 4 + length);
    return /^[a-z0-9@.-]+$/.test(text) ? [text, pos + 4 + length] : undefined;
  };
  const cipher = name(at);
  const kdf = cipher && name(cipher[1]);
  return kdf !== undefined && (kdf[0] === 'none' || kdf[0] === 'bcrypt');
}

// --- OpenPGP packets (RFC 9580 §4.2, §5.5) ---------------------------------------------------

interface Packet {
  tag: number;
  /** The body, or as much of it as the bytes hold; partial-length chunks joined. */
  body: Buffer;
  /** Whether the whole body was there. */
  complete: boolean;
  /** Where the next packet starts. */
  next: number;
}

/** Tags RFC 9580 assigns (1-21) and the private/experimental range (60-63). */
function knownTag(tag: number): boolean {
  return (tag >= 1 && tag <= 21) || tag >= 60;
}

function packetAt(b: Buffer, at: number): Packet | undefined {
  const first = b[at] as number;
  if (!(first & 0x80)) return undefined;
  let pos = at + 1;
  const need = (n: number) => pos + n <= b.length;
  let tag: number;
  if (first & 0x40) {
    tag = first & 0x3f;
    if (!knownTag(tag)) return undefined;
    const chunks: Buffer[] = [];
    for (;;) {
      if (!need(1)) return undefined;
      const o = b[pos] as number;
      let length: number;
      let partial = false;
      if (o < 192) {
        length = o;
        pos += 1;
      } else if (o < 224) {
        if (!need(2)) return undefined;
        length = ((o - 192) << 8) + (b[pos + 1] as number) + 192;
        pos += 2;
      } else if (o === 255) {
        if (!need(5)) return undefined;
        length = b.readUInt32BE(pos + 1);
        pos += 5;
      } else {
        length = 1 << (o & 0x1f);
        partial = true;
        pos += 1;
      }
      const end = Math.min(pos + length, b.length);
      chunks.push(b.subarray(pos, end));
      if (pos + length > b.length) {
        return { tag, body: join(chunks), complete: false, next: b.length };
      }
      pos += length;
      if (!partial) return { tag, body: join(chunks), complete: true, next: pos };
    }
  }
  tag = (first >> 2) & 0x0f;
  if (!knownTag(tag)) return undefined;
  const lengthType = first & 0x03;
  let length: number;
  if (lengthType === 3) {
    length = b.length - pos; // indeterminate: to the end
  } else {
    const size = 1 << lengthType;
    if (!need(size)) return undefined;
    length =
      size === 1 ? (b[pos] as number) : size === 2 ? b.readUInt16BE(pos) : b.readUInt32BE(pos);
    pos += size;
  }
  const end = Math.min(pos + length, b.length);
  return { tag, body: b.subarray(pos, end), complete: pos + length <= b.length, next: end };
}

function join(chunks: Buffer[]): Buffer {
  return chunks.length === 1 ? (chunks[0] as Buffer) : Buffer.concat(chunks);
}

/**
 * Walks the packets from the start of `b`. `lenient` is for bytes that said they were
 * OpenPGP (an armour block): a cut-off key still counts. Raw bytes must frame cleanly.
 */
function walkPackets(
  b: Buffer,
  options: { lenient: boolean; depth: number },
): SecretKeyFinding | undefined {
  let at = 0;
  for (let count = 0; at < b.length && count < 10_000; count++) {
    const packet = packetAt(b, at);
    if (!packet) return undefined;
    if (!packet.complete && !options.lenient) return undefined;
    if (packet.tag === 5 || packet.tag === 7) {
      if (keyBody(packet.body, packet.complete, options.lenient)) {
        return {
          what: packet.tag === 5 ? 'an OpenPGP secret key' : 'an OpenPGP secret subkey',
          via: [],
        };
      }
    } else if (packet.tag === 8) {
      const found = inside('in OpenPGP compressed data', compressed(packet.body, options.depth));
      if (found) return found;
    } else if (packet.tag === 11) {
      const found = inside('in OpenPGP literal data', literal(packet.body, options.depth));
      if (found) return found;
    }
    at = packet.next;
  }
  return undefined;
}

/** Public-key algorithm ids (RFC 9580 §9.1) and what their public part holds. */
const ALGORITHMS: Record<number, readonly ('mpi' | 'oid' | 'kdf' | number)[]> = {
  1: ['mpi', 'mpi'], // RSA
  2: ['mpi', 'mpi'],
  3: ['mpi', 'mpi'],
  16: ['mpi', 'mpi', 'mpi'], // Elgamal
  17: ['mpi', 'mpi', 'mpi', 'mpi'], // DSA
  18: ['oid', 'mpi', 'kdf'], // ECDH
  19: ['oid', 'mpi'], // ECDSA
  22: ['oid', 'mpi'], // EdDSA (legacy)
  25: [32], // X25519
  26: [56], // X448
  27: [32], // Ed25519
  28: [57], // Ed448
};

/**
 * Whether a tag 5/7 body reads as a key: a known version and algorithm, public material
 * that parses, and a valid S2K usage octet after it. `complete` bodies must hold all of
 * that; a cut-off one (`lenient`) only what it has.
 */
function keyBody(body: Buffer, complete: boolean, lenient: boolean): boolean {
  const version = body[0];
  let pos: number;
  let algorithm: number | undefined;
  if (version === 2 || version === 3) {
    algorithm = body[7];
    pos = 8;
    if (algorithm !== 1 && algorithm !== 2 && algorithm !== 3) return false;
  } else if (version === 4) {
    algorithm = body[5];
    pos = 6;
  } else if (version === 5 || version === 6) {
    algorithm = body[5];
    pos = 10;
  } else return false;
  const fields = algorithm === undefined ? undefined : ALGORITHMS[algorithm];
  if (!fields) return false;
  const cut = () => lenient && !complete;
  if (version === 5 || version === 6) {
    if (body.length < 10) return cut();
    const count = body.readUInt32BE(6);
    if (count > body.length - 10 && !cut()) return false;
  }
  for (const field of fields) {
    if (pos >= body.length) return cut();
    if (field === 'mpi') {
      if (pos + 2 > body.length) return cut();
      const bits = body.readUInt16BE(pos);
      if (bits === 0 || bits > 16384) return false;
      const bytes = Math.ceil(bits / 8);
      // Keys are written with no leading zero bits: the top byte holds exactly what is left.
      if (!lenient && bitLength(body[pos + 2] ?? 0) !== bits - 8 * (bytes - 1)) return false;
      pos += 2 + bytes;
    } else if (field === 'oid' || field === 'kdf') {
      const length = body[pos] as number;
      if (length === 0 || length === 0xff) return false;
      if (field === 'kdf' && body[pos + 1] !== 1) return false;
      pos += 1 + length;
    } else {
      pos += field;
    }
  }
  if (pos >= body.length) return cut();
  const usage = body[pos] as number;
  return usage === 0 || usage >= 253 || (version === 4 && usage <= 13) || version < 4;
}

function bitLength(byte: number): number {
  return byte === 0 ? 0 : 32 - Math.clz32(byte);
}

/** A compressed data packet's content (RFC 9580 §5.6): ZIP and ZLIB; BZip2 is not opened. */
function compressed(body: Buffer, depth: number): SecretKeyFinding | undefined {
  if (depth >= MAX_DEPTH) return undefined;
  const algorithm = body[0];
  const data = body.subarray(1);
  let inflated: Buffer;
  try {
    if (algorithm === 0) inflated = data;
    else if (algorithm === 1) inflated = inflateRawSync(data, { maxOutputLength: MAX_INFLATED });
    else if (algorithm === 2) inflated = inflateSync(data, { maxOutputLength: MAX_INFLATED });
    else return undefined;
  } catch {
    return undefined;
  }
  return walkPackets(inflated, { lenient: true, depth: depth + 1 });
}

/** A literal data packet's content (RFC 9580 §5.9): whatever file it wraps, scanned whole. */
function literal(body: Buffer, depth: number): SecretKeyFinding | undefined {
  if (body.length < 2) return undefined;
  const nameLength = body[1] as number;
  return scan(body.subarray(2 + nameLength + 4), depth + 1);
}

// --- DER (X.690): PKCS#8, PKCS#1, SEC1, PKCS#12 ------------------------------------------------

interface Tlv {
  tag: number;
  start: number;
  end: number;
}

function tlv(b: Buffer, at: number, limit = b.length): Tlv | undefined {
  if (at + 2 > limit) return undefined;
  const tag = b[at] as number;
  let length = b[at + 1] as number;
  let start = at + 2;
  if (length & 0x80) {
    const size = length & 0x7f;
    if (size === 0 || size > 4 || start + size > limit) return undefined;
    length = 0;
    for (let i = 0; i < size; i++) length = length * 256 + (b[start + i] as number);
    start += size;
  }
  const end = start + length;
  return end <= limit ? { tag, start, end } : undefined;
}

const OID_PKCS5 = Buffer.from('2a864886f70d0105', 'hex'); // 1.2.840.113549.1.5 (PBES1/2)
const OID_PKCS12_PBE = Buffer.from('2a864886f70d010c01', 'hex'); // 1.2.840.113549.1.12.1
const OID_PKCS7 = Buffer.from('2a864886f70d0107', 'hex'); // 1.2.840.113549.1.7

function startsWith(b: Buffer, t: Tlv, prefix: Buffer): boolean {
  return (
    t.end - t.start >= prefix.length &&
    b.compare(prefix, 0, prefix.length, t.start, t.start + prefix.length) === 0
  );
}

/** What private-key structure a DER SEQUENCE at the start of `b` is, if any. */
function derPrivateKey(b: Buffer): string | undefined {
  const top = tlv(b, 0);
  if (!top || top.tag !== 0x30) return undefined;
  const first = tlv(b, top.start, top.end);
  if (!first) return undefined;
  const second = tlv(b, first.end, top.end);
  if (!second) return undefined;
  if (first.tag === 0x30) {
    // EncryptedPrivateKeyInfo: { AlgorithmIdentifier (a PBE scheme), OCTET STRING }
    const oid = tlv(b, first.start, first.end);
    if (
      oid?.tag === 0x06 &&
      (startsWith(b, oid, OID_PKCS5) || startsWith(b, oid, OID_PKCS12_PBE)) &&
      second.tag === 0x04 &&
      second.end === top.end
    ) {
      return 'an encrypted PKCS#8 private key';
    }
    return undefined;
  }
  if (first.tag !== 0x02 || first.end - first.start !== 1) return undefined;
  const version = b[first.start] as number;
  if ((version === 0 || version === 1) && second.tag === 0x30) {
    // PrivateKeyInfo / OneAsymmetricKey: { version, AlgorithmIdentifier, OCTET STRING, … }
    const oid = tlv(b, second.start, second.end);
    const key = tlv(b, second.end, top.end);
    if (oid?.tag === 0x06 && key?.tag === 0x04) return 'a PKCS#8 private key';
    return undefined;
  }
  if (version === 0 && second.tag === 0x02) {
    // RSAPrivateKey (PKCS#1) has 8 more INTEGERs, OpenSSL's DSA private key 5.
    let at = second.end;
    let integers = 1;
    for (let t = tlv(b, at, top.end); t?.tag === 0x02; t = tlv(b, at, top.end)) {
      integers++;
      at = t.end;
    }
    if (integers >= 5 && second.end - second.start >= 64) return 'an RSA or DSA private key (DER)';
    return undefined;
  }
  if (version === 1 && second.tag === 0x04 && second.end - second.start >= 16) {
    // ECPrivateKey (SEC1): { 1, OCTET STRING privateKey, [0] parameters, [1] publicKey }
    const next = tlv(b, second.end, top.end);
    if (!next || next.tag === 0xa0 || next.tag === 0xa1) return 'an EC private key (SEC1 DER)';
    return undefined;
  }
  if (version === 3 && second.tag === 0x30) {
    // PFX (PKCS#12): { 3, ContentInfo (PKCS#7 data or signed data), MacData }
    const oid = tlv(b, second.start, second.end);
    if (oid?.tag === 0x06 && startsWith(b, oid, OID_PKCS7)) return 'a PKCS#12 key store';
  }
  return undefined;
}

// --- text ----------------------------------------------------------------------------------

/**
 * The rest of `-----BEGIN LABEL-----` (or of the SSH2 form `---- BEGIN LABEL ----`) from
 * the word BEGIN on; the dashes before it are checked apart.
 */
const BEGIN = /BEGIN ([A-Z0-9][A-Z0-9 ,/.#-]{0,63}?) ?-{4,5}/y;
const HEADER_LINE = /^[A-Za-z][A-Za-z0-9-]*: ?/;
const BASE64_LINE = /^[A-Za-z0-9+/]+={0,2}$/;
/** A quote or comment marker before a line: markdown `>`, `#`, `//`, `*`, `;`, `--`. */
const QUOTED = /^(?:>\s*|(?:#|\*|;|\/\/|--)\s+)+/;

function text(b: Buffer, depth: number): SecretKeyFinding | undefined {
  if (b.length >= 2 && ((b[0] === 0xff && b[1] === 0xfe) || (b[0] === 0xfe && b[1] === 0xff))) {
    return inside('UTF-16 text', utf16(b, depth));
  }
  const s = b.toString('latin1');
  // Armour and PEM blocks, each decoded whatever its label says.
  const spans: [number, number][] = [];
  for (let at = s.indexOf('BEGIN '); at !== -1; at = s.indexOf('BEGIN ', at + 1)) {
    const dashes = s.slice(Math.max(0, at - 5), at);
    if (dashes !== '-----' && dashes !== '---- ') continue;
    BEGIN.lastIndex = at;
    const m = BEGIN.exec(s);
    if (!m) continue;
    const label = m[1] as string;
    if (label === 'PGP SIGNED MESSAGE') continue; // cleartext follows, scanned as text
    const start = at + m[0].length;
    const endAt = s.indexOf(`END ${label}`, start);
    const end = endAt === -1 ? s.length : endAt;
    const found = block(label, s.slice(start, end), depth);
    if (found) return found;
    spans.push([at, end]);
    at = end;
  }
  if (s.includes(PUTTY) && s.includes('Private-Lines:')) {
    return { what: 'a PuTTY private key', via: [] };
  }
  // Base64 outside those blocks: a key file encoded whole, in a JSON string or a text.
  for (const [from, to] of base64Runs(b, spans)) {
    let run = s.slice(from, to);
    if (run.includes('\\')) run = run.replace(/\\[rn]/g, '');
    const found = inside('base64', decoded(Buffer.from(run, 'base64'), depth));
    if (found) return found;
  }
  // `\uXXXX` and `\/` escapes can hide a marker: decode the JSON and look at its strings.
  if (depth < MAX_DEPTH && (s.includes('\\u') || s.includes('\\/'))) {
    const found = inside('in a JSON string', jsonStrings(b, depth));
    if (found) return found;
  }
  return undefined;
}

/** 1: a base64 character; 2: padding. */
const BASE64 = new Uint8Array(256);
for (const c of 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/') {
  BASE64[c.charCodeAt(0)] = 1;
}
BASE64[0x3d] = 2;
/** What may sit between the lines of a run: CR, LF, and the backslash of `\n`. */
const BREAK = new Uint8Array(256);
BREAK[0x0a] = BREAK[0x0d] = BREAK[0x5c] = 1;
/** The shortest line of base64 looked for (see base64Runs). */
const SEGMENT = 48;

/**
 * Base64 runs of at least MIN_BASE64_CHARS characters, as [start, end) byte offsets,
 * outside `skip` (sorted spans already looked at). A run goes on across line breaks,
 * plain or JSON-escaped (`\n`, `\r\n`), and ends after its padding.
 *
 * Every tool wraps base64 at 60 to 76 columns, so a run holds a line of at least SEGMENT
 * characters; every SEGMENT-th byte is probed for one, and only a line that long is read
 * around. Natural text (words) is passed over at a fraction of a byte-by-byte read.
 */
function base64Runs(b: Buffer, skip: [number, number][]): [number, number][] {
  const runs: [number, number][] = [];
  const n = b.length;
  let done = 0; // everything before this has been read
  let k = 0;
  for (let p = SEGMENT - 1; p < n;) {
    while (k < skip.length && (skip[k] as [number, number])[1] <= p) k++;
    const span = skip[k];
    if (span && span[0] <= p) {
      done = Math.max(done, span[1]);
      p = span[1] + SEGMENT - 1;
      continue;
    }
    if (BASE64[b[p] as number] !== 1) {
      p += SEGMENT;
      continue;
    }
    let start = p;
    while (start > done && BASE64[b[start - 1] as number] === 1) start--;
    let end = p + 1;
    while (end < n && BASE64[b[end] as number] === 1) end++;
    if (end - start < SEGMENT) {
      p += SEGMENT;
      continue;
    }
    // A line that long: read the whole run it belongs to, from wherever that can start.
    while (
      start > done &&
      (BASE64[b[start - 1] as number] === 1 || BREAK[b[start - 1] as number])
    ) {
      start--;
    }
    let i = start;
    while (i < end) {
      if (BASE64[b[i] as number] !== 1) {
        i++;
        continue;
      }
      const from = i;
      let chars = 0;
      for (;;) {
        while (i < n && BASE64[b[i] as number] === 1) {
          i++;
          chars++;
        }
        const next = lineBreak(b, i);
        if (next === i || next >= n || BASE64[b[next] as number] !== 1) break;
        i = next;
      }
      while (i < n && b[i] === 0x3d) i++;
      if (chars >= MIN_BASE64_CHARS) runs.push([from, i]);
    }
    done = i;
    p = i + SEGMENT - 1;
  }
  return runs;
}

/** Past a line break at `i` (CR, LF, CRLF, or their JSON escapes); `i` when there is none. */
function lineBreak(b: Buffer, i: number): number {
  let j = i;
  if (b[j] === 0x5c && b[j + 1] === 0x72) j += 2;
  else if (b[j] === 0x0d) j++;
  if (b[j] === 0x5c && b[j + 1] === 0x6e) j += 2;
  else if (b[j] === 0x0a) j++;
  return j;
}

/** What a base64 run decodes to: binary checks always; text ones when it reads as text. */
function decoded(b: Buffer, depth: number): SecretKeyFinding | undefined {
  if (b.length === 0) return undefined;
  return binary(b, depth + 1) ?? (looksLikeText(b) ? text(b, depth + 1) : undefined);
}

function looksLikeText(b: Buffer): boolean {
  const n = Math.min(b.length, 64);
  for (let i = 0; i < n; i++) {
    const c = b[i] as number;
    if (c < 0x09 || (c > 0x0d && c < 0x20) || c === 0x7f) return false;
  }
  return true;
}

function block(label: string, raw: string, depth: number): SecretKeyFinding | undefined {
  const data = armourData(raw);
  if (data.length === 0) return undefined;
  const via = `in an armour block labelled "${label}"`;
  if (label.includes(PRIVATE_KEY) && data.length >= 16) {
    if (label.startsWith('PGP ')) return { what: 'an OpenPGP secret key', via: [via] };
    if (label.includes('OPENSSH') || data.subarray(0, OPENSSH_MAGIC.length).equals(OPENSSH_MAGIC))
      return { what: 'an OpenSSH private key', via: [via] };
    return { what: 'a PEM private key', via: [via] };
  }
  if ((data[0] as number) & 0x80) {
    const found = walkPackets(data, { lenient: label.startsWith('PGP '), depth: depth + 1 });
    if (found) return inside(via, found);
  }
  return inside(via, decoded(data, depth));
}

/**
 * The bytes of an armour or PEM body: its base64 lines after any header lines, up to the
 * first line that is not base64 (the end line, or whatever follows a cut-off block). A
 * marker in code or prose with no such lines after it has no body.
 */
function armourData(raw: string): Buffer {
  let body = raw;
  // Inside a JSON string (or a string in a string), line breaks are escapes: undo them.
  // Line breaks alone (a memory's signature) are split on directly.
  const simple = !/\\[^nr]/.test(body);
  for (let i = 0; !simple && i < 3 && body.includes('\\'); i++) body = unescape(body);
  const lines = body.split(simple ? /\\r\\n|\\n|\\r|\r\n|\r|\n/ : /\r\n|\r|\n/);
  const data: string[] = [];
  let continued = false;
  // The first line is what follows the BEGIN marker on its own line: nothing, normally.
  for (let i = 1; i < lines.length; i++) {
    const line = (lines[i] as string).trim().replace(QUOTED, '');
    if (data.length === 0) {
      if (continued || line === '' || HEADER_LINE.test(line)) {
        continued = line.endsWith('\\');
        continue;
      }
    }
    if (BASE64_LINE.test(line)) data.push(line);
    else break;
  }
  return Buffer.from(data.join(''), 'base64');
}

/** JSON string escapes undone (`\n`, `\/`, `\uXXXX`…); a broken escape is left as it is. */
function unescape(s: string): string {
  return s.replace(/\\(u[0-9a-fA-F]{4}|["\\/bfnrt])/g, (_, e: string) => {
    switch (e[0]) {
      case 'u':
        return String.fromCharCode(parseInt(e.slice(1), 16));
      case 'n':
        return '\n';
      case 'r':
        return '\r';
      case 't':
        return '\t';
      case 'b':
        return '\b';
      case 'f':
        return '\f';
      default:
        return e;
    }
  });
}

function jsonStrings(b: Buffer, depth: number): SecretKeyFinding | undefined {
  let value: unknown;
  try {
    value = JSON.parse(b.toString('utf8'));
  } catch {
    return undefined;
  }
  const stack: unknown[] = [value];
  while (stack.length > 0) {
    const v = stack.pop();
    if (typeof v === 'string') {
      if (v.length < 16) continue;
      // eslint-disable-next-line no-control-regex -- code points above U+00FF need UTF-8
      const bytes = Buffer.from(v, /^[\u0000-\u00ff]*$/.test(v) ? 'latin1' : 'utf8');
      const found = scan(bytes, depth + 1);
      if (found) return found;
    } else if (Array.isArray(v)) stack.push(...(v as unknown[]));
    else if (v !== null && typeof v === 'object') {
      for (const [k, inner] of Object.entries(v)) stack.push(k, inner);
    }
  }
  return undefined;
}

function utf16(b: Buffer, depth: number): SecretKeyFinding | undefined {
  const units = Buffer.from(b.subarray(2, 2 + ((b.length - 2) & ~1)));
  if (b[0] === 0xfe) units.swap16(); // big-endian
  return scan(Buffer.from(units.toString('utf16le'), 'utf8'), depth + 1);
}
