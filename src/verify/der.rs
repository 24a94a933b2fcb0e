//! RSA public keys from PEM: the PKIX `SubjectPublicKeyInfo` that AuthN's
//! `GET /v1/public-key` serves (Go's `x509.MarshalPKIXPublicKey`), or a PKCS#1
//! `RSAPublicKey`. A small DER reader for exactly these two structures: every length is
//! bounds-checked, definite and minimal, and nothing in it can panic.
//!
//! ```text
//! SubjectPublicKeyInfo ::= SEQUENCE {
//!     algorithm  SEQUENCE { OBJECT IDENTIFIER rsaEncryption, NULL (or absent) },
//!     subjectPublicKey  BIT STRING (no unused bits) holding an RSAPublicKey }
//! RSAPublicKey ::= SEQUENCE { modulus INTEGER, publicExponent INTEGER }
//! ```

/// The DER of OID 1.2.840.113549.1.1.1 (`rsaEncryption`), without tag and length.
const RSA_ENCRYPTION: &[u8] = &[0x2a, 0x86, 0x48, 0x86, 0xf7, 0x0d, 0x01, 0x01, 0x01];

const SEQUENCE: u8 = 0x30;
const INTEGER: u8 = 0x02;
const BIT_STRING: u8 = 0x03;
const NULL: u8 = 0x05;
const OID: u8 = 0x06;

/// An RSA public key: modulus and exponent, big-endian, without leading zero bytes.
#[derive(Clone, PartialEq, Eq)]
pub(crate) struct RsaKey {
    pub(crate) n: Vec<u8>,
    pub(crate) e: Vec<u8>,
}

impl std::fmt::Debug for RsaKey {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "RsaKey({} bits)", bit_length(&self.n))
    }
}

impl RsaKey {
    /// Checks what the verifier needs before any token arrives: a modulus of 2048 to 8192 bits
    /// (what ring verifies for RS256/384/512) and an odd exponent from 3 to 2^33 - 1.
    pub(crate) fn new(n: &[u8], e: &[u8]) -> Result<RsaKey, String> {
        let (n, e) = (strip_zeros(n), strip_zeros(e));
        let bits = bit_length(n);
        if !(2048..=8192).contains(&bits) {
            return Err(format!(
                "the RSA modulus has {bits} bits: 2048 to 8192 are accepted"
            ));
        }
        let odd = e.last().is_some_and(|b| b & 1 == 1);
        if !odd || bit_length(e) > 33 || (e.len() == 1 && e[0] < 3) {
            return Err("the RSA exponent is not an odd number from 3 to 2^33 - 1".to_owned());
        }
        Ok(RsaKey {
            n: n.to_vec(),
            e: e.to_vec(),
        })
    }
}

fn strip_zeros(mut bytes: &[u8]) -> &[u8] {
    while let [0, rest @ ..] = bytes {
        bytes = rest;
    }
    bytes
}

/// The number of significant bits of a big-endian number without leading zero bytes.
fn bit_length(bytes: &[u8]) -> usize {
    match bytes.first() {
        None => 0,
        Some(first) => (bytes.len() - 1).saturating_mul(8) + (8 - first.leading_zeros() as usize),
    }
}

/// The RSA key in a PEM text: the first `PUBLIC KEY` (SPKI) or `RSA PUBLIC KEY` (PKCS#1)
/// block. Text around the block is ignored.
pub(crate) fn rsa_key_from_pem(pem: &str) -> Result<RsaKey, String> {
    for (label, spki) in [("PUBLIC KEY", true), ("RSA PUBLIC KEY", false)] {
        let begin = format!("-----BEGIN {label}-----");
        let end = format!("-----END {label}-----");
        let Some(start) = pem.find(&begin) else {
            continue;
        };
        let body = &pem[start + begin.len()..];
        let Some(stop) = body.find(&end) else {
            return Err(format!("the PEM has no {end:?} line"));
        };
        let text: String = body[..stop]
            .chars()
            .filter(|c| !c.is_ascii_whitespace())
            .collect();
        use base64::Engine as _;
        let der = base64::engine::general_purpose::STANDARD
            .decode(text)
            .map_err(|_| "the PEM body is not base64".to_owned())?;
        let (n, e) = if spki {
            spki_rsa_key(&der)?
        } else {
            pkcs1_rsa_key(&der)?
        };
        return RsaKey::new(n, e);
    }
    Err("no \"-----BEGIN PUBLIC KEY-----\" (or RSA PUBLIC KEY) block".to_owned())
}

/// Modulus and exponent from a DER `SubjectPublicKeyInfo` holding an RSA key.
pub(crate) fn spki_rsa_key(der: &[u8]) -> Result<(&[u8], &[u8]), String> {
    let mut outer = Reader::new(der);
    let mut spki = Reader::new(outer.read(SEQUENCE)?);
    outer.finish()?;
    let mut algorithm = Reader::new(spki.read(SEQUENCE)?);
    if algorithm.read(OID)? != RSA_ENCRYPTION {
        return Err("the public key is not an RSA key (algorithm is not rsaEncryption)".into());
    }
    if !algorithm.is_empty() && !algorithm.read(NULL)?.is_empty() {
        return Err("DER: the rsaEncryption parameters are not NULL".into());
    }
    algorithm.finish()?;
    let bits = spki.read(BIT_STRING)?;
    spki.finish()?;
    match bits {
        [0, key @ ..] => pkcs1_rsa_key(key),
        _ => Err("DER: the public key BIT STRING has unused bits".into()),
    }
}

/// Modulus and exponent from a DER PKCS#1 `RSAPublicKey`.
pub(crate) fn pkcs1_rsa_key(der: &[u8]) -> Result<(&[u8], &[u8]), String> {
    let mut outer = Reader::new(der);
    let mut key = Reader::new(outer.read(SEQUENCE)?);
    outer.finish()?;
    let n = positive_integer(key.read(INTEGER)?)?;
    let e = positive_integer(key.read(INTEGER)?)?;
    key.finish()?;
    Ok((n, e))
}

/// The magnitude of a DER INTEGER that must be positive and minimally encoded.
fn positive_integer(content: &[u8]) -> Result<&[u8], String> {
    match content {
        [] => Err("DER: an empty INTEGER".into()),
        [first, ..] if first & 0x80 != 0 => Err("DER: a negative INTEGER in an RSA key".into()),
        [0] => Err("DER: a zero INTEGER in an RSA key".into()),
        [0, second, ..] if second & 0x80 == 0 => {
            Err("DER: an INTEGER with a superfluous leading zero".into())
        }
        [0, rest @ ..] => Ok(rest),
        _ => Ok(content),
    }
}

/// Reads DER elements (tag, length, content) one after another from a byte slice.
struct Reader<'a> {
    rest: &'a [u8],
}

impl<'a> Reader<'a> {
    fn new(der: &'a [u8]) -> Self {
        Reader { rest: der }
    }

    fn is_empty(&self) -> bool {
        self.rest.is_empty()
    }

    /// The content of the next element, which must have tag `tag` (single-byte tags only);
    /// the reader moves past it.
    fn read(&mut self, tag: u8) -> Result<&'a [u8], String> {
        let [found, first, rest @ ..] = self.rest else {
            return Err("DER: the data ends inside an element header".into());
        };
        if *found != tag {
            return Err(format!(
                "DER: expected tag 0x{tag:02x}, found 0x{found:02x}"
            ));
        }
        let (len, rest) = match *first {
            short @ 0..=0x7f => (usize::from(short), rest),
            0x80 => return Err("DER: indefinite length".into()),
            long => {
                let count = usize::from(long & 0x7f);
                if count > 4 {
                    return Err("DER: a length over 4 bytes".into());
                }
                let (bytes, rest) = rest
                    .split_at_checked(count)
                    .ok_or("DER: the data ends inside a length")?;
                if bytes.first() == Some(&0) {
                    return Err("DER: a length with a leading zero byte".into());
                }
                let len = bytes
                    .iter()
                    .fold(0usize, |acc, b| (acc << 8) | usize::from(*b));
                if len < 0x80 {
                    return Err("DER: a long-form length under 128".into());
                }
                (len, rest)
            }
        };
        let (content, rest) = rest
            .split_at_checked(len)
            .ok_or("DER: an element is longer than the data")?;
        self.rest = rest;
        Ok(content)
    }

    /// Nothing may follow the last element.
    fn finish(&self) -> Result<(), String> {
        if self.rest.is_empty() {
            Ok(())
        } else {
            Err("DER: trailing data after the last element".into())
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    /// A DER element with a minimal length.
    pub(crate) fn element(tag: u8, content: &[u8]) -> Vec<u8> {
        let mut out = vec![tag];
        let len = content.len();
        if len < 0x80 {
            out.push(len as u8);
        } else {
            let bytes: Vec<u8> = len
                .to_be_bytes()
                .into_iter()
                .skip_while(|b| *b == 0)
                .collect();
            out.push(0x80 | bytes.len() as u8);
            out.extend(bytes);
        }
        out.extend_from_slice(content);
        out
    }

    fn integer(magnitude: &[u8]) -> Vec<u8> {
        let mut content = Vec::new();
        if magnitude.first().is_some_and(|b| b & 0x80 != 0) {
            content.push(0);
        }
        content.extend_from_slice(magnitude);
        element(INTEGER, &content)
    }

    fn pkcs1(n: &[u8], e: &[u8]) -> Vec<u8> {
        element(SEQUENCE, &[integer(n), integer(e)].concat())
    }

    /// SPKI as Go's `x509.MarshalPKIXPublicKey` writes it.
    fn spki(n: &[u8], e: &[u8]) -> Vec<u8> {
        let algorithm = element(
            SEQUENCE,
            &[element(OID, RSA_ENCRYPTION), element(NULL, &[])].concat(),
        );
        let bits = element(BIT_STRING, &[&[0u8][..], &pkcs1(n, e)].concat());
        element(SEQUENCE, &[algorithm, bits].concat())
    }

    fn pem(label: &str, der: &[u8]) -> String {
        use base64::Engine as _;
        let b64 = base64::engine::general_purpose::STANDARD.encode(der);
        let lines: Vec<&str> = b64
            .as_bytes()
            .chunks(64)
            .map(|c| std::str::from_utf8(c).unwrap())
            .collect();
        format!(
            "-----BEGIN {label}-----\n{}\n-----END {label}-----\n",
            lines.join("\n")
        )
    }

    /// A 2048-bit modulus (top bit set, odd): not a real key, but the right shape.
    fn modulus() -> Vec<u8> {
        let mut n = vec![0xc5; 256];
        n[255] = 0x01;
        n
    }

    const E: [u8; 3] = [1, 0, 1];
    /// OCTET STRING, a tag the keys do not use.
    const OCTETS: u8 = 0x04;

    #[test]
    fn reads_spki_and_pkcs1_pem() {
        let n = modulus();
        for text in [
            pem("PUBLIC KEY", &spki(&n, &E)),
            pem("RSA PUBLIC KEY", &pkcs1(&n, &E)),
            format!(
                "comment\r\n{}trailer",
                pem("PUBLIC KEY", &spki(&n, &E)).replace('\n', "\r\n")
            ),
        ] {
            let key = rsa_key_from_pem(&text).unwrap();
            assert_eq!((key.n.as_slice(), key.e.as_slice()), (&n[..], &E[..]));
            assert_eq!(format!("{key:?}"), "RsaKey(2048 bits)");
        }
        // Without the NULL parameters, as some encoders write it.
        let algorithm = element(SEQUENCE, &element(OID, RSA_ENCRYPTION));
        let bits = element(BIT_STRING, &[&[0u8][..], &pkcs1(&n, &E)].concat());
        let der = element(SEQUENCE, &[algorithm, bits].concat());
        assert_eq!(spki_rsa_key(&der).unwrap(), (&n[..], &E[..]));
    }

    #[test]
    fn refuses_what_is_not_a_usable_rsa_key() {
        let n = modulus();
        let good = spki(&n, &E);
        let refused = |der: &[u8], why: &str| {
            let e = rsa_key_from_pem(&pem("PUBLIC KEY", der)).unwrap_err();
            assert!(e.contains(why), "{e} (wanted {why})");
        };
        refused(&[], "ends inside");
        refused(&good[..good.len() - 1], "longer than the data");
        refused(&[good.clone(), vec![0]].concat(), "trailing data");
        // An EC key's algorithm (id-ecPublicKey 1.2.840.10045.2.1).
        let ec = element(
            SEQUENCE,
            &[
                element(
                    SEQUENCE,
                    &element(OID, &[0x2a, 0x86, 0x48, 0xce, 0x3d, 0x02, 0x01]),
                ),
                element(BIT_STRING, &[0, 4, 1, 2]),
            ]
            .concat(),
        );
        refused(&ec, "not an RSA key");
        refused(&spki(&n[..128], &E), "1024 bits");
        refused(&spki(&n, &[2]), "exponent");
        refused(&spki(&n, &[1]), "exponent");
        refused(&spki(&n, &[1, 0, 0, 0, 0, 1]), "exponent");
        // Long-form length where the short form fits, and an indefinite length.
        let mut long = good.clone();
        long.splice(1..2, [0x83, 0x00, 0x01]);
        refused(&long, "leading zero");
        let mut indefinite = good.clone();
        indefinite[1] = 0x80;
        refused(&indefinite, "indefinite");
        assert!(rsa_key_from_pem("no pem here")
            .unwrap_err()
            .contains("BEGIN PUBLIC KEY"));
        assert!(rsa_key_from_pem("-----BEGIN PUBLIC KEY-----\nAAAA")
            .unwrap_err()
            .contains("END PUBLIC KEY"));
        assert!(
            rsa_key_from_pem("-----BEGIN PUBLIC KEY-----\n!!\n-----END PUBLIC KEY-----")
                .unwrap_err()
                .contains("base64")
        );
    }

    #[test]
    fn integers_must_be_positive_and_minimal() {
        assert_eq!(positive_integer(&[0, 0x80]), Ok(&[0x80][..]));
        assert_eq!(positive_integer(&[0x7f]), Ok(&[0x7f][..]));
        for bad in [&[][..], &[0x80], &[0], &[0, 0x7f]] {
            assert!(positive_integer(bad).is_err(), "{bad:?}");
        }
        let mut r = Reader::new(&[0x02, 0x84, 0xff, 0xff, 0xff, 0xff]);
        assert!(r.read(INTEGER).is_err(), "a 4 GiB length past the end");
        let mut r = Reader::new(&[0x02, 0x85, 1, 0, 0, 0, 0]);
        assert!(r.read(INTEGER).is_err(), "a 5-byte length");
        let mut r = Reader::new(&[0x02, 0x81, 0x05, 0, 0, 0, 0, 0]);
        assert!(r.read(INTEGER).unwrap_err().contains("under 128"));
    }

    /// The edges of the length rules, by the message that says which rule refused.
    #[test]
    fn lengths_at_their_limits() {
        // Four length bytes are read (then the data is short); five are refused unread.
        let mut r = Reader::new(&[0x02, 0x84, 0xff, 0xff, 0xff, 0xff]);
        assert_eq!(
            r.read(INTEGER).unwrap_err(),
            "DER: an element is longer than the data"
        );
        let mut r = Reader::new(&[0x02, 0x85, 1, 0, 0, 0, 0, 0]);
        assert_eq!(r.read(INTEGER).unwrap_err(), "DER: a length over 4 bytes");
        // 128 is the smallest long-form length; 256 takes two bytes.
        for len in [0x80usize, 0x100] {
            let der = [element(OCTETS, &vec![7; len]), vec![0x05, 0x00]].concat();
            let mut r = Reader::new(&der);
            assert_eq!(r.read(OCTETS).unwrap(), vec![7; len]);
            assert_eq!(r.read(NULL).unwrap(), b"");
            r.finish().unwrap();
        }
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(1024))]

        #[test]
        fn arbitrary_bytes_never_panic(der in proptest::collection::vec(any::<u8>(), 0..600)) {
            let _ = spki_rsa_key(&der);
            let _ = pkcs1_rsa_key(&der);
        }

        #[test]
        fn a_damaged_key_never_panics(at in 0usize..300, byte in any::<u8>(), cut in 0usize..300) {
            let mut der = spki(&modulus(), &E);
            let at = at % der.len();
            der[at] = byte;
            der.truncate(der.len() - cut % der.len());
            if let Ok((n, e)) = spki_rsa_key(&der) {
                // What it returns lies inside the input.
                prop_assert!(n.len() + e.len() < der.len());
            }
        }

        #[test]
        fn arbitrary_pem_never_panics(body in "[A-Za-z0-9+/=\\s-]{0,400}", label in prop::sample::select(vec!["PUBLIC KEY", "RSA PUBLIC KEY", "X"])) {
            let _ = rsa_key_from_pem(&format!("-----BEGIN {label}-----{body}-----END {label}-----"));
            let _ = rsa_key_from_pem(&body);
        }
    }
}
