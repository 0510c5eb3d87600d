//! Reading a key or cert that must be exactly what a ceremony wrote.
//!
//! Sequoia reads leniently, as RFC 9580 asks of a general implementation: it
//! ignores the armor's CRC, keeps packets it cannot parse as "unknown", and
//! quietly drops signatures that do not verify when it builds a cert. A
//! backup read that way can yield a key whose binding signatures are gone, or
//! a primary fingerprint that is not the key's (a changed byte in the key
//! packet: sq then says "No binding signature"), while `restore` said it was
//! fine. Our backups are written by us with a CRC and only valid packets, so
//! anything else is damage: refuse it, and say what is wrong.

use sequoia_openpgp as pgp;

use pgp::armor;
use pgp::packet::Packet;
use pgp::parse::{PacketParser, PacketParserResult, Parse};
use pgp::Cert;

use super::OpenPgpError;

fn damaged(what: &str, problem: impl std::fmt::Display) -> OpenPgpError {
    OpenPgpError::Invalid(format!("{what} is damaged: {problem}"))
}

/// OpenPGP's CRC-24 (RFC 4880, 6.1).
fn crc24(data: &[u8]) -> u32 {
    let mut crc: u32 = 0x00B7_04CE;
    for &b in data {
        crc ^= u32::from(b) << 16;
        for _ in 0..8 {
            crc <<= 1;
            if crc & 0x0100_0000 != 0 {
                crc ^= 0x0186_4CFB;
            }
        }
    }
    crc & 0x00FF_FFFF
}

/// The armor's checksum line (`=XXXX`), if it has one.
fn armor_checksum(text: &[u8]) -> Option<u32> {
    use base64::Engine;
    let text = std::str::from_utf8(text).ok()?;
    let line = text
        .lines()
        .map(str::trim)
        .take_while(|l| !l.starts_with("-----END"))
        .filter(|l| l.len() == 5 && l.starts_with('='))
        .last()?;
    let bytes = base64::engine::general_purpose::STANDARD
        .decode(&line[1..])
        .ok()?;
    match bytes.as_slice() {
        [a, b, c] => Some(u32::from_be_bytes([0, *a, *b, *c])),
        _ => None,
    }
}

/// Reads the armored `bytes` of `what` (a file name, for messages) strictly:
/// the armor's checksum must hold, every packet must parse, and every
/// signature must verify. Returns the cert (with secrets if it had them).
pub fn read_strict(what: &str, bytes: &[u8]) -> Result<Cert, OpenPgpError> {
    let mut binary = Vec::new();
    let mut reader = armor::Reader::from_bytes(bytes, armor::ReaderMode::Tolerant(None));
    std::io::copy(&mut reader, &mut binary)
        .map_err(|e| damaged(what, format!("its armor does not decode ({e})")))?;
    if binary.is_empty() {
        return Err(damaged(what, "it holds no OpenPGP data"));
    }
    match armor_checksum(bytes) {
        Some(sum) if sum != crc24(&binary) => {
            return Err(damaged(
                what,
                "its armor checksum does not match its contents (a changed character)",
            ))
        }
        Some(_) => {}
        None => return Err(damaged(what, "its armor has no checksum line")),
    }

    let mut packets = Vec::new();
    let mut ppr = PacketParser::from_bytes(&binary)
        .map_err(|e| damaged(what, format!("it does not parse ({e})")))?;
    while let PacketParserResult::Some(pp) = ppr {
        let (packet, next) = pp
            .next()
            .map_err(|e| damaged(what, format!("it does not parse ({e})")))?;
        if let Packet::Unknown(u) = &packet {
            return Err(damaged(
                what,
                format!("a {} packet does not parse ({})", u.tag(), u.error()),
            ));
        }
        packets.push(packet);
        ppr = next;
    }
    let cert = Cert::from_packets(packets.into_iter())
        .map_err(|e| damaged(what, format!("it is not one OpenPGP key ({e})")))?;

    // Canonicalising moved every signature that does not verify aside.
    if let Some(sig) = cert.bad_signatures().next() {
        return Err(damaged(
            what,
            format!("a {} signature does not verify", sig.typ()),
        ));
    }
    if cert.unknowns().next().is_some() {
        return Err(damaged(
            what,
            "it holds a component that is not a key or user ID",
        ));
    }
    let primary = cert.primary_key();
    if primary.self_signatures().next().is_none()
        && cert.userids().all(|u| u.self_signatures().next().is_none())
    {
        return Err(damaged(what, "the primary key has no valid self-signature"));
    }
    for uid in cert.userids() {
        if uid.self_signatures().next().is_none() {
            return Err(damaged(
                what,
                format!(
                    "user ID {:?} has no valid self-signature",
                    String::from_utf8_lossy(uid.userid().value())
                ),
            ));
        }
    }
    for sub in cert.keys().subkeys() {
        if sub.self_signatures().next().is_none() {
            return Err(damaged(
                what,
                format!(
                    "subkey {} has no valid binding signature",
                    sub.key().fingerprint()
                ),
            ));
        }
    }
    Ok(cert)
}

#[cfg(test)]
mod tests {
    use super::*;

    use pgp::cert::CertBuilder;
    use pgp::serialize::{Serialize, SerializeInto};

    fn key() -> Cert {
        CertBuilder::new()
            .add_userid("A <a@example.org>")
            .add_signing_subkey()
            .generate()
            .unwrap()
            .0
    }

    fn armored(binary: &[u8]) -> Vec<u8> {
        let mut w = armor::Writer::new(Vec::new(), armor::Kind::SecretKey).unwrap();
        std::io::Write::write_all(&mut w, binary).unwrap();
        w.finalize().unwrap()
    }

    #[test]
    fn an_intact_key_reads() {
        let k = key();
        let text = k.as_tsk().armored().to_vec().unwrap();
        assert_eq!(
            read_strict("k", &text).unwrap().fingerprint(),
            k.fingerprint()
        );
    }

    #[test]
    fn a_changed_byte_under_a_valid_checksum_is_caught_by_the_signatures() {
        // An attacker (or a bit flip before armoring) that keeps the armor
        // consistent: every single-byte change in the key's signed parts must
        // fail a signature or the parse, never yield a key.
        let k = key();
        let mut binary = Vec::new();
        k.as_tsk().serialize(&mut binary).unwrap();
        let mut caught = 0;
        for pos in (0..binary.len()).step_by(7) {
            let mut b = binary.clone();
            b[pos] ^= 0x01;
            match read_strict("k", &armored(&b)) {
                Err(_) => caught += 1,
                // Secret key material is not signed: a change there is found
                // when the passphrase fails to open it, or on the card.
                Ok(c) => assert_eq!(c.fingerprint(), k.fingerprint(), "byte {pos}"),
            }
        }
        assert!(caught > 0);
    }

    #[test]
    fn a_changed_character_breaks_the_checksum() {
        let k = key();
        let mut text = k.as_tsk().armored().to_vec().unwrap();
        let pos = text.windows(2).position(|w| w == b"\n\n").unwrap() + 10;
        text[pos] = if text[pos] == b'A' { b'B' } else { b'A' };
        let e = read_strict("secret-key.asc", &text)
            .unwrap_err()
            .to_string();
        assert!(e.contains("secret-key.asc is damaged"), "{e}");
    }

    #[test]
    fn crc24_matches_the_rfc_reference() {
        // RFC 4880's reference code gives 0xB704CE for no data; "123456789"
        // is the usual check string for CRC-24/OPENPGP: 0x21CF02.
        assert_eq!(crc24(b""), 0xB704CE);
        assert_eq!(crc24(b"123456789"), 0x21CF02);
    }
}
