// The ARI certificate identifier (RFC 9773 §4.1): base64url(AKI keyIdentifier) "." base64url(serial),
// the serial as its DER INTEGER content bytes (a leading 0x00 kept). Read straight from the
// certificate's DER with a minimal reader: node's X509Certificate exposes neither field as bytes.

interface Tlv {
  tag: number;
  /** Offset of the content (after tag and length). */
  start: number;
  /** Offset just past the content. */
  end: number;
}

function readTlv(der: Uint8Array, at: number, limit: number): Tlv {
  if (at + 2 > limit) throw new Error('truncated DER');
  const tag = der[at]!;
  if ((tag & 0x1f) === 0x1f) throw new Error('multi-byte DER tags are not used in certificates');
  let len = der[at + 1]!;
  let start = at + 2;
  if (len & 0x80) {
    const n = len & 0x7f;
    if (n === 0 || n > 4 || start + n > limit) throw new Error('bad DER length');
    len = 0;
    for (let i = 0; i < n; i++) len = len * 256 + der[start + i]!;
    start += n;
  }
  if (start + len > limit) throw new Error('DER length runs past its container');
  return { tag, start, end: start + len };
}

/** The children of a constructed TLV, in order. */
function children(der: Uint8Array, parent: Tlv): Tlv[] {
  const out: Tlv[] = [];
  for (let at = parent.start; at < parent.end;) {
    const t = readTlv(der, at, parent.end);
    out.push(t);
    at = t.end;
  }
  return out;
}

const SEQUENCE = 0x30;
const INTEGER = 0x02;
const OID = 0x06;
const OCTET_STRING = 0x04;
const EXTENSIONS = 0xa3; // [3] EXPLICIT in TBSCertificate
const KEY_IDENTIFIER = 0x80; // [0] IMPLICIT in AuthorityKeyIdentifier
const AKI_OID = Uint8Array.of(0x55, 0x1d, 0x23); // 2.5.29.35

const b64url = (bytes: Uint8Array) => Buffer.from(bytes).toString('base64url');
const equal = (a: Uint8Array, b: Uint8Array) => a.length === b.length && a.every((x, i) => x === b[i]);

export type CertIdResult = { certId: string } | { problem: string };

/** The certID of a DER certificate, or why it has none (no AKI keyIdentifier, or not a certificate). */
export function ariCertId(der: Uint8Array): CertIdResult {
  try {
    const cert = readTlv(der, 0, der.length);
    if (cert.tag !== SEQUENCE) return { problem: 'not a DER certificate' };
    const tbs = children(der, cert)[0];
    if (tbs?.tag !== SEQUENCE) return { problem: 'not a DER certificate' };
    const fields = children(der, tbs);
    // version is [0] EXPLICIT and optional; the serial is the first INTEGER after it.
    const serial = fields[0]?.tag === 0xa0 ? fields[1] : fields[0];
    if (serial?.tag !== INTEGER || serial.end === serial.start)
      return { problem: 'the certificate has no serial number' };
    const extWrapper = fields.find((f) => f.tag === EXTENSIONS);
    const extList = extWrapper ? children(der, extWrapper)[0] : undefined;
    for (const ext of extList ? children(der, extList) : []) {
      const parts = children(der, ext);
      const oid = parts[0];
      if (oid?.tag !== OID || !equal(der.subarray(oid.start, oid.end), AKI_OID)) continue;
      const value = parts[parts.length - 1];
      if (value?.tag !== OCTET_STRING) return { problem: 'the Authority Key Identifier is malformed' };
      const aki = readTlv(der, value.start, value.end);
      if (aki.tag !== SEQUENCE) return { problem: 'the Authority Key Identifier is malformed' };
      const keyId = children(der, aki).find((c) => c.tag === KEY_IDENTIFIER);
      if (!keyId || keyId.end === keyId.start)
        return { problem: 'the Authority Key Identifier has no keyIdentifier' };
      return {
        certId: `${b64url(der.subarray(keyId.start, keyId.end))}.${b64url(der.subarray(serial.start, serial.end))}`,
      };
    }
    return { problem: 'the certificate has no Authority Key Identifier' };
  } catch (err) {
    return { problem: `the certificate does not parse as DER: ${(err as Error).message}` };
  }
}
