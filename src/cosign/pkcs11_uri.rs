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

#[cfg(test)]
mod tests {
    use super::*;

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
