/**
 * RFC 3161 time-stamp tokens with pkijs: asking a Time-Stamp Authority for a token over a
 * digest, and verifying a token offline against trusted TSA roots.
 *
 * pkijs checks the CMS signature and the message imprint, but the certificate chain only
 * when asked (checkChain with trustedCerts), and never the ESSCertID/ESSCertIDv2 binding of
 * the signer certificate nor its timeStamping extended key usage: we do those here.
 */
import { createHash, randomBytes, webcrypto } from 'node:crypto';
import type * as Pkijs from 'pkijs';
import type * as Asn1js from 'asn1js';
import { RemembrancerError } from '../ground/errors.js';

const OID_SHA256 = '2.16.840.1.101.3.4.2.1';
const OID_SHA1 = '1.3.14.3.2.26';
const OID_TSTINFO = '1.2.840.113549.1.9.16.1.4';
const OID_SIGNED_DATA = '1.2.840.113549.1.7.2';
const OID_EKU = '2.5.29.37';
const OID_TIMESTAMPING = '1.3.6.1.5.5.7.3.8';
const OID_SIGNING_CERTIFICATE = '1.2.840.113549.1.9.16.2.12';
const OID_SIGNING_CERTIFICATE_V2 = '1.2.840.113549.1.9.16.2.47';

const HASH_BY_OID: Record<string, string> = {
  [OID_SHA1]: 'sha1',
  [OID_SHA256]: 'sha256',
  '2.16.840.1.101.3.4.2.2': 'sha384',
  '2.16.840.1.101.3.4.2.3': 'sha512',
};

interface Libs {
  pkijs: typeof Pkijs;
  asn1js: typeof Asn1js;
}

let libs: Promise<Libs> | undefined;

/** pkijs and asn1js, loaded on first use, with Node's WebCrypto as their engine. */
export function loadPkijs(): Promise<Libs> {
  libs ??= Promise.all([import('pkijs'), import('asn1js')]).then(([pkijs, asn1js]) => {
    pkijs.setEngine('node', new pkijs.CryptoEngine({ name: 'node', crypto: webcrypto as never }));
    return { pkijs, asn1js };
  });
  return libs;
}

function toArrayBuffer(bytes: Uint8Array): ArrayBuffer {
  return bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.byteLength) as ArrayBuffer;
}

function hex(bytes: ArrayBuffer | Uint8Array): string {
  return Buffer.from(bytes instanceof Uint8Array ? bytes : new Uint8Array(bytes)).toString('hex');
}

export class TimestampError extends Error {
  override readonly name = 'TimestampError';
}

/** A DER certificate from PEM (one or more blocks) or DER input. */
export async function parseCertificates(input: Uint8Array): Promise<Pkijs.Certificate[]> {
  const { pkijs } = await loadPkijs();
  const text = Buffer.from(input).toString('latin1');
  const blocks = [
    ...text.matchAll(/-----BEGIN CERTIFICATE-----([\s\S]*?)-----END CERTIFICATE-----/g),
  ].map((m) => Buffer.from((m[1] as string).replace(/\s+/g, ''), 'base64'));
  const ders = blocks.length > 0 ? blocks : [Buffer.from(input)];
  return ders.map((der) => pkijs.Certificate.fromBER(toArrayBuffer(der)));
}

export function certificateToPem(cert: Pkijs.Certificate): string {
  const b64 = Buffer.from(cert.toSchema().toBER(false)).toString('base64');
  return `-----BEGIN CERTIFICATE-----\n${b64.replace(/(.{64})/g, '$1\n').replace(/\n$/, '')}\n-----END CERTIFICATE-----\n`;
}

/** The subject's common name, or the whole subject when there is none. */
export function certificateName(cert: Pkijs.Certificate): string {
  const cn = cert.subject.typesAndValues.find((t) => t.type === '2.5.4.3');
  if (cn) return String((cn.value.valueBlock as { value: string }).value);
  return cert.subject.typesAndValues
    .map((t) => String((t.value.valueBlock as { value: string }).value))
    .join(', ');
}

export interface TimestampRequest {
  der: Uint8Array;
  nonce: string;
}

export async function buildTimestampRequest(digest: Uint8Array): Promise<TimestampRequest> {
  const { pkijs, asn1js } = await loadPkijs();
  const nonce = randomBytes(8);
  // A positive DER INTEGER in minimal form: top bit clear, and first byte never zero.
  nonce[0] = ((nonce[0] as number) & 0x7f) | 0x40;
  const request = new pkijs.TimeStampReq({
    version: 1,
    messageImprint: new pkijs.MessageImprint({
      hashAlgorithm: new pkijs.AlgorithmIdentifier({
        algorithmId: OID_SHA256,
        algorithmParams: new asn1js.Null(),
      }),
      hashedMessage: new asn1js.OctetString({ valueHex: toArrayBuffer(digest) }),
    }),
    nonce: new asn1js.Integer({ valueHex: toArrayBuffer(nonce) }),
    certReq: true,
  });
  return { der: new Uint8Array(request.toSchema().toBER(false)), nonce: hex(nonce) };
}

const STATUS_TEXT = [
  'granted',
  'grantedWithMods',
  'rejection',
  'waiting',
  'revocationWarning',
  'revocationNotification',
];

/**
 * Reads a TimeStampResp: the status must be granted, the nonce must be ours, the token
 * must cover the digest we asked for. Returns the token (a CMS ContentInfo) in DER.
 */
export async function readTimestampResponse(
  body: Uint8Array,
  request: TimestampRequest,
  digest: Uint8Array,
): Promise<Uint8Array> {
  const { pkijs } = await loadPkijs();
  let response: Pkijs.TimeStampResp;
  try {
    response = pkijs.TimeStampResp.fromBER(toArrayBuffer(body));
  } catch {
    throw new TimestampError('the TSA answered with something that is not a time-stamp response');
  }
  const status = response.status.status as number;
  if (status !== 0 && status !== 1) {
    const text = response.status.statusStrings?.map((s) => s.valueBlock.value).join('; ');
    throw new TimestampError(
      `the TSA refused: ${STATUS_TEXT[status] ?? `status ${status}`}${text ? ` (${text})` : ''}`,
    );
  }
  if (!response.timeStampToken)
    throw new TimestampError('the TSA granted the request but sent no token');
  const token = new Uint8Array(response.timeStampToken.toSchema().toBER(false));
  const info = await parseToken(token);
  if (info.nonce !== request.nonce.replace(/^0+/, '')) {
    throw new TimestampError(
      'the token does not carry the nonce we sent (a replayed or foreign response)',
    );
  }
  if (info.imprintAlgorithm !== 'sha256' || info.imprint !== hex(digest)) {
    throw new TimestampError('the token is over other data than we asked for');
  }
  return token;
}

export interface TokenInfo {
  genTime: Date;
  serial: string;
  policy: string;
  nonce: string | null;
  imprint: string;
  imprintAlgorithm: string;
}

interface ParsedToken extends TokenInfo {
  signedData: Pkijs.SignedData;
}

async function parse(token: Uint8Array): Promise<ParsedToken> {
  const { pkijs } = await loadPkijs();
  let signedData: Pkijs.SignedData;
  let tst: Pkijs.TSTInfo;
  try {
    const content = pkijs.ContentInfo.fromBER(toArrayBuffer(token));
    if (content.contentType !== OID_SIGNED_DATA) throw new Error('not SignedData');
    signedData = new pkijs.SignedData({ schema: content.content });
    if (
      signedData.encapContentInfo.eContentType !== OID_TSTINFO ||
      !signedData.encapContentInfo.eContent
    ) {
      throw new Error('not a TSTInfo');
    }
    tst = pkijs.TSTInfo.fromBER(signedData.encapContentInfo.eContent.getValue());
  } catch (err) {
    throw new TimestampError(`token is not an RFC 3161 TimeStampToken (${(err as Error).message})`);
  }
  const algorithm =
    HASH_BY_OID[tst.messageImprint.hashAlgorithm.algorithmId] ??
    tst.messageImprint.hashAlgorithm.algorithmId;
  return {
    signedData,
    genTime: tst.genTime,
    serial: hex(tst.serialNumber.valueBlock.valueHexView),
    policy: tst.policy,
    nonce: tst.nonce ? hex(tst.nonce.valueBlock.valueHexView).replace(/^0+/, '') : null,
    imprint: hex(tst.messageImprint.hashedMessage.valueBlock.valueHexView),
    imprintAlgorithm: algorithm,
  };
}

export async function parseToken(token: Uint8Array): Promise<TokenInfo> {
  const { signedData: _signedData, ...info } = await parse(token);
  return info;
}

export interface TokenVerification extends TokenInfo {
  /** Common name of the certificate that signed the token. */
  tsa: string;
  /** The chain from the signer up to the trusted root, as PEM. */
  chain: string[];
}

function essCertHash(
  asn1js: typeof Asn1js,
  attribute: Pkijs.Attribute,
): { algorithm: string; hash: string } | undefined {
  // SigningCertificate(V2) ::= SEQUENCE { certs SEQUENCE OF ESSCertID(v2), policies OPTIONAL }
  const outer = attribute.values[0] as Asn1js.Sequence | undefined;
  const certs = outer?.valueBlock.value[0] as Asn1js.Sequence | undefined;
  const first = certs?.valueBlock.value[0] as Asn1js.Sequence | undefined;
  if (!first) return undefined;
  const parts = first.valueBlock.value;
  if (attribute.type === OID_SIGNING_CERTIFICATE) {
    const hash = parts[0];
    return hash instanceof asn1js.OctetString
      ? { algorithm: 'sha1', hash: hex(hash.valueBlock.valueHexView) }
      : undefined;
  }
  // ESSCertIDv2 ::= SEQUENCE { hashAlgorithm DEFAULT sha256, certHash, issuerSerial OPTIONAL }
  let algorithm = 'sha256';
  let index = 0;
  if (parts[0] instanceof asn1js.Sequence) {
    const oid = (parts[0].valueBlock.value[0] as Asn1js.ObjectIdentifier).valueBlock.toString();
    algorithm = HASH_BY_OID[oid] ?? oid;
    index = 1;
  }
  const hash = parts[index];
  return hash instanceof asn1js.OctetString
    ? { algorithm, hash: hex(hash.valueBlock.valueHexView) }
    : undefined;
}

/**
 * Verifies tokens against trusted TSA roots. A TSA signs every token with the same
 * certificate, so the certificate chain is validated once per signer certificate and then
 * only checked against each token's time; everything else is checked for every token.
 */
export class TokenVerifier {
  private readonly chains = new Map<string, Pkijs.Certificate[]>();

  constructor(private readonly trustedRoots: Pkijs.Certificate[]) {}

  /**
   * Verifies a token over `data` (the bytes whose SHA-256 the TSA stamped). Throws
   * TimestampError with the reason; returns what the token proves.
   */
  async verify(token: Uint8Array, data: Uint8Array): Promise<TokenVerification> {
    const { asn1js, pkijs } = await loadPkijs();
    const parsed = await parse(token);
    const { signedData } = parsed;
    if (parsed.imprintAlgorithm !== 'sha256') {
      throw new TimestampError(`token imprint uses ${parsed.imprintAlgorithm}, not sha256`);
    }
    if (parsed.imprint !== createHash('sha256').update(data).digest('hex')) {
      throw new TimestampError(
        'token is over other data: its imprint is not the SHA-256 of this signature',
      );
    }
    if (this.trustedRoots.length === 0) {
      throw new TimestampError(
        'no TSA root is trusted; add one with `remembrancer trust add-tsa CERT.pem`',
      );
    }
    let result: Pkijs.SignedDataVerifyResult;
    try {
      result = await signedData.verify({
        signer: 0,
        data: toArrayBuffer(data),
        checkChain: false,
        extendedMode: true,
      });
    } catch (err) {
      throw new TimestampError(
        `token signature does not verify (${(err as { message?: string }).message ?? String(err)})`,
      );
    }
    if (!result.signatureVerified) throw new TimestampError('token signature does not verify');
    const signer = result.signerCertificate;
    if (!signer) throw new TimestampError('token has no signer certificate');

    // RFC 3161 §2.3: the TSA certificate has exactly one extended key usage, timeStamping,
    // and the extension is critical.
    const eku = signer.extensions?.find((e) => e.extnID === OID_EKU);
    const purposes = (eku?.parsedValue as Pkijs.ExtKeyUsage | undefined)?.keyPurposes ?? [];
    if (!eku || !eku.critical || purposes.length !== 1 || purposes[0] !== OID_TIMESTAMPING) {
      throw new TimestampError(
        'the TSA certificate lacks the critical timeStamping extended key usage',
      );
    }

    // ESSCertID / ESSCertIDv2 binds the signed attributes to this very certificate, so a
    // certificate swapped into the token cannot take the signature's place.
    const attributes = signedData.signerInfos[0]?.signedAttrs?.attributes ?? [];
    const binding =
      attributes.find((a) => a.type === OID_SIGNING_CERTIFICATE_V2) ??
      attributes.find((a) => a.type === OID_SIGNING_CERTIFICATE);
    if (!binding)
      throw new TimestampError('token has no ESSCertID/ESSCertIDv2 signing-certificate attribute');
    const ess = essCertHash(asn1js, binding);
    if (!ess) throw new TimestampError('token signing-certificate attribute is malformed');
    const der = new Uint8Array(signer.toSchema().toBER(false));
    let actual: string;
    try {
      actual = createHash(ess.algorithm).update(der).digest('hex');
    } catch {
      throw new TimestampError(
        `token signing-certificate attribute uses unknown hash ${ess.algorithm}`,
      );
    }
    if (actual !== ess.hash) {
      throw new TimestampError(
        'token signing-certificate attribute (ESSCertID) does not match the signer certificate',
      );
    }

    // The chain, from the signer certificate to a trusted root, valid at the token's time.
    // (pkijs validates a chain only when asked, with trustedCerts.)
    const key = createHash('sha256').update(der).digest('hex');
    let path = this.chains.get(key);
    if (!path) {
      const engine = new pkijs.CertificateChainValidationEngine({
        trustedCerts: this.trustedRoots,
        // The engine validates the last certificate; the others are candidate issuers.
        certs: [
          ...(signedData.certificates ?? []).filter(
            (c): c is Pkijs.Certificate => c instanceof pkijs.Certificate && c !== signer,
          ),
          signer,
        ],
        checkDate: parsed.genTime,
      });
      const validation = await engine.verify().catch((e: unknown) => ({
        result: false,
        resultMessage: (e as { resultMessage?: string }).resultMessage ?? String(e),
        certificatePath: undefined,
      }));
      if (!validation.result) {
        throw new TimestampError(
          `the TSA certificate does not chain to a trusted TSA root (${validation.resultMessage})`,
        );
      }
      path = validation.certificatePath ?? [signer];
      this.chains.set(key, path);
    }
    for (const cert of path) {
      if (parsed.genTime < cert.notBefore.value || parsed.genTime > cert.notAfter.value) {
        throw new TimestampError(
          `the token's time ${parsed.genTime.toISOString()} is outside the validity of ${certificateName(cert)}`,
        );
      }
    }
    const { signedData: _sd, ...info } = parsed;
    return { ...info, tsa: certificateName(signer), chain: path.map(certificateToPem) };
  }
}

/** Verifies one token; see TokenVerifier for many. */
export function verifyToken(
  token: Uint8Array,
  data: Uint8Array,
  trustedRoots: Pkijs.Certificate[],
): Promise<TokenVerification> {
  return new TokenVerifier(trustedRoots).verify(token, data);
}

/** Asks a TSA over HTTP(S) for a token over `digest`. */
export async function requestTimestamp(
  url: string,
  digest: Uint8Array,
  timeoutMs = 10_000,
): Promise<Uint8Array> {
  const request = await buildTimestampRequest(digest);
  let response: Response;
  try {
    response = await fetch(url, {
      method: 'POST',
      headers: {
        'content-type': 'application/timestamp-query',
        accept: 'application/timestamp-reply',
      },
      body: request.der,
      signal: AbortSignal.timeout(timeoutMs),
    });
  } catch (err) {
    const cause = (err as { cause?: { code?: string; message?: string } }).cause;
    throw new TimestampError(
      `cannot reach the TSA at ${url} (${cause?.code ?? cause?.message ?? (err as Error).message})`,
    );
  }
  if (!response.ok) throw new TimestampError(`the TSA at ${url} answered HTTP ${response.status}`);
  const body = new Uint8Array(await response.arrayBuffer());
  return readTimestampResponse(body, request, digest);
}

/** The binary (de-armoured) OpenPGP signature: what a token's imprint hashes. */
export async function signatureBytes(armored: string): Promise<Uint8Array> {
  const { openpgp } = await import('./openpgp.js');
  const pgp = await openpgp();
  // Exactly the bytes inside the armour, not a re-encoding of the parsed packets.
  const { data } = await pgp.unarmor(armored);
  return data as Uint8Array;
}

export { RemembrancerError };
