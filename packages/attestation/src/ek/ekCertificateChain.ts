/**
 * Verifies an EK certificate against a policy's manufacturer certificates: the self-signed
 * certificates of the list are the trust anchors, the others serve as intermediates (TPM vendors
 * issue EK certificates from intermediate CAs, and a request carries only the EK certificate).
 *
 * The path is built here, with pkijs/asn1js parsing and verifying each signature, rather than
 * with pkijs' CertificateChainValidationEngine: with pkijs 4.0.0 that engine accepted an EK
 * certificate whose issuer only had the same *name* as a listed CA (another CA's key, the
 * signature did not verify), which is exactly the forgery this check exists to catch.
 * Each link: issuer name matches, signature verifies with the issuer's key, both certificates are
 * within their validity at `at`, the issuer is a CA (basicConstraints cA) allowed to sign
 * certificates (keyUsage keyCertSign when present).
 */
import type * as asn1js from 'asn1js';
import type * as pkijs from 'pkijs';

/** The outcome: trusted, or why not. */
export type ChainResult = { readonly trusted: true } | { readonly trusted: false; readonly reason: string };

const BASIC_CONSTRAINTS = '2.5.29.19';
const KEY_USAGE = '2.5.29.15';
/** keyCertSign is bit 5 of KeyUsage: 0x04 in the first byte (bits are numbered from the most significant). */
const KEY_CERT_SIGN = 0x04;
const MAX_DEPTH = 6;

function isSelfIssued(certificate: pkijs.Certificate): boolean {
  return certificate.subject.isEqual(certificate.issuer);
}

function validAt(certificate: pkijs.Certificate, at: Date): boolean {
  return certificate.notBefore.value.getTime() <= at.getTime() && at.getTime() <= certificate.notAfter.value.getTime();
}

function mayIssue(certificate: pkijs.Certificate): boolean {
  const extensions = certificate.extensions ?? [];
  const constraints = extensions.find((extension) => extension.extnID === BASIC_CONSTRAINTS)?.parsedValue as pkijs.BasicConstraints | undefined;
  if (constraints?.cA !== true) return false;
  const usage = extensions.find((extension) => extension.extnID === KEY_USAGE)?.parsedValue as asn1js.BitString | undefined;
  if (usage === undefined) return true;
  return ((usage.valueBlock.valueHexView[0] ?? 0) & KEY_CERT_SIGN) !== 0;
}

async function signedBy(certificate: pkijs.Certificate, issuer: pkijs.Certificate): Promise<boolean> {
  try {
    return await certificate.verify(issuer);
  } catch {
    // An issuer key of an algorithm WebCrypto cannot use verifies nothing.
    return false;
  }
}

/** Whether `ekCertificate` chains to a self-signed certificate of `manufacturerCertificates`. */
export async function verifyEkCertificateChain(ekCertificate: pkijs.Certificate, manufacturerCertificates: readonly pkijs.Certificate[], at: Date): Promise<ChainResult> {
  const roots = manufacturerCertificates.filter(isSelfIssued);
  if (roots.length === 0) return { trusted: false, reason: 'the policy lists no self-signed root certificate' };
  if (!validAt(ekCertificate, at)) return { trusted: false, reason: 'the EK certificate is outside its validity period' };
  let lastReason = 'no listed certificate issued it';
  const visit = async (certificate: pkijs.Certificate, depth: number, path: readonly pkijs.Certificate[]): Promise<boolean> => {
    if (depth > MAX_DEPTH) return false;
    for (const issuer of manufacturerCertificates) {
      if (path.includes(issuer) || !certificate.issuer.isEqual(issuer.subject)) continue;
      if (!(await signedBy(certificate, issuer))) {
        lastReason = 'a listed CA has the issuer name but did not sign it';
        continue;
      }
      if (!mayIssue(issuer)) {
        lastReason = 'its issuer is not a CA allowed to sign certificates';
        continue;
      }
      if (!validAt(issuer, at)) {
        lastReason = 'a CA certificate of the chain is outside its validity period';
        continue;
      }
      if (roots.includes(issuer)) return true;
      if (await visit(issuer, depth + 1, [...path, issuer])) return true;
    }
    return false;
  };
  return (await visit(ekCertificate, 0, [])) ? { trusted: true } : { trusted: false, reason: lastReason };
}
