//! RFC 7512 `pkcs11:` URIs: how `cosign sign --key` and `pkcs11-tool`'s
//! peers name a key in a token. Every byte outside RFC 3986's unreserved
//! set is percent-encoded (always legal, and never ambiguous with the `;`
//! and `&` separators); the key's id is encoded byte by byte, as the RFC
//! shows it.

/// A key in a token: which token, which object, and the module to load.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct KeyUri {
    pub token: String,
    pub object: String,
    pub id: Vec<u8>,
    pub module_path: String,
}

fn encode(value: &[u8], all: bool) -> String {
    let mut out = String::with_capacity(value.len() * 3);
    for &b in value {
        if !all && (b.is_ascii_alphanumeric() || b"-._~".contains(&b)) {
            out.push(b as char);
        } else {
            out.push_str(&format!("%{b:02X}"));
        }
    }
    out
}

impl KeyUri {
    /// `pkcs11:token=...;object=...;id=%..;type=private?module-path=...`:
    /// no PIN in it (cosign reads `COSIGN_PKCS11_PIN`, or `pin-value` where
    /// the operator adds one on the signing machine; never `pin-source`).
    pub fn to_uri(&self) -> String {
        format!(
            "pkcs11:token={};object={};id={};type=private?module-path={}",
            encode(self.token.as_bytes(), false),
            encode(self.object.as_bytes(), false),
            encode(&self.id, true),
            encode(self.module_path.as_bytes(), false).replace("%2F", "/"),
        )
    }
}

/// A `%XX`-encoded value decoded; None for a malformed escape.
fn decode(value: &str) -> Option<Vec<u8>> {
    let b = value.as_bytes();
    let mut out = Vec::with_capacity(b.len());
    let mut i = 0;
    while i < b.len() {
        if b[i] == b'%' {
            let hex = std::str::from_utf8(b.get(i + 1..i + 3)?).ok()?;
            out.push(u8::from_str_radix(hex, 16).ok()?);
            i += 3;
        } else {
            out.push(b[i]);
            i += 1;
        }
    }
    Some(out)
}

impl KeyUri {
    /// Reads back what `to_uri` wrote (the token, object and id; the
    /// module path as it stands): how a later ceremony finds the key a
    /// bundle names, to destroy it.
    pub fn parse(uri: &str) -> Option<KeyUri> {
        let rest = uri.strip_prefix("pkcs11:")?;
        let (path, query) = rest.split_once('?').unwrap_or((rest, ""));
        let mut k = KeyUri {
            token: String::new(),
            object: String::new(),
            id: Vec::new(),
            module_path: String::new(),
        };
        for attr in path.split(';') {
            let (name, value) = attr.split_once('=')?;
            let value = decode(value)?;
            match name {
                "token" => k.token = String::from_utf8(value).ok()?,
                "object" => k.object = String::from_utf8(value).ok()?,
                "id" => k.id = value,
                _ => {}
            }
        }
        for q in query.split('&').filter(|q| !q.is_empty()) {
            if let Some(v) = q.strip_prefix("module-path=") {
                k.module_path = String::from_utf8(decode(v)?).ok()?;
            }
        }
        (!k.token.is_empty() && !k.id.is_empty()).then_some(k)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_uri_reads_back_as_written() {
        let k = KeyUri {
            token: "Release HSM;1".into(),
            object: "cosign".into(),
            id: vec![0x01, 0xab, 0x25],
            module_path: "/usr/lib/softhsm/libsofthsm2.so".into(),
        };
        assert_eq!(KeyUri::parse(&k.to_uri()), Some(k));
        assert_eq!(KeyUri::parse("pkcs11:token=a;id=%zz"), None);
        assert_eq!(KeyUri::parse("https://x"), None);
    }

    #[test]
    fn every_reserved_byte_is_encoded_and_the_id_byte_by_byte() {
        let uri = KeyUri {
            token: "Release HSM;1".into(),
            object: "cosign".into(),
            id: vec![0x01, 0xab],
            module_path: "/usr/lib/softhsm/libsofthsm2.so".into(),
        }
        .to_uri();
        assert_eq!(
            uri,
            "pkcs11:token=Release%20HSM%3B1;object=cosign;id=%01%AB;type=private?module-path=/usr/lib/softhsm/libsofthsm2.so"
        );
    }
}
