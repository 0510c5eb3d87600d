//! A virtual PIV card for keyceremony's tests: the PIV application of a
//! YubiKey 5.4.3 as Yubico documents it (NIST SP 800-73-4 plus Yubico's
//! extensions: IMPORT KEY, SET MANAGEMENT KEY, GET SERIAL, GET VERSION, GET
//! METADATA, RESET), attached to a vpcd reader slot so that pcscd, and
//! through it keyceremony (the `yubikey` crate), `yubico-piv-tool` and
//! OpenSC's PKCS#11 module, see a card in a reader.
//!
//! Why our own: Nitrokey's `piv-authenticator` 0.7 imports no EC key and
//! reports no metadata (../shared/RECIPES.md), and the product's PIV tier is
//! an imported P-256 key on several cards. Keeping this card small and
//! written from the specification lets a test see every APDU's rule: the
//! PIN's tries counted and blocked, the management key's 3DES mutual
//! authentication, the printed object readable only after the PIN, the PIN
//! policy "always" of slot 9c.
//!
//! What it does not do (a physical YubiKey does, docs/tokens.md): touch,
//! attestation (answers 6D00), RSA and Curve25519 keys, AES management keys
//! (firmware 5.7's default), the OTP and management applications.
//!
//! Usage: virtual-piv --port PORT [--serial DECIMAL]
//!
//! The card is in the reader while this process runs; its state lives in
//! memory, so a card put in again is a fresh one (as a replacement is).

#[path = "../../vpcd-link/link.rs"]
mod vpcd_link;

use std::collections::BTreeMap;

use des::cipher::{generic_array::GenericArray, BlockDecrypt, BlockEncrypt, KeyInit};
use p256::ecdsa::signature::hazmat::PrehashSigner;

const PIV_AID: [u8; 5] = [0xA0, 0x00, 0x00, 0x03, 0x08];
/// A YubiKey 5 NFC's ATR: OpenSC recognises the maker by it.
const ATR: [u8; 23] = [
    0x3B, 0xFD, 0x13, 0x00, 0x00, 0x81, 0x31, 0xFE, 0x15, 0x80, 0x73, 0xC0, 0x21, 0xC0, 0x57, 0x59,
    0x75, 0x62, 0x69, 0x4B, 0x65, 0x79, 0x40,
];
const DEFAULT_MGM: [u8; 24] = [
    1, 2, 3, 4, 5, 6, 7, 8, 1, 2, 3, 4, 5, 6, 7, 8, 1, 2, 3, 4, 5, 6, 7, 8,
];
const ALG_3DES: u8 = 0x03;
const ALG_P256: u8 = 0x11;
const SLOT_MGM: u8 = 0x9B;
/// The printed-information object, where a PIN-protected management key lives.
const OBJ_PRINTED: [u8; 3] = [0x5F, 0xC1, 0x09];

type Sw = u16;
const OK: Sw = 0x9000;
const SECURITY: Sw = 0x6982;
const BLOCKED: Sw = 0x6983;
const CONDITIONS: Sw = 0x6985;
const WRONG_DATA: Sw = 0x6A80;
const NOT_FOUND: Sw = 0x6A82;
const NO_REFERENCE: Sw = 0x6A88;
const WRONG_P1P2: Sw = 0x6B00;
const NO_INS: Sw = 0x6D00;
const WRONG_LENGTH: Sw = 0x6700;

/// A PIN or PUK: 6 to 8 bytes, padded with 0xFF to 8 on the wire.
struct Reference {
    value: [u8; 8],
    tries: u8,
    max: u8,
    default: bool,
}

impl Reference {
    fn new(value: &[u8], max: u8) -> Reference {
        let mut r = Reference {
            value: [0xFF; 8],
            tries: max,
            max,
            default: true,
        };
        r.value[..value.len()].copy_from_slice(value);
        r
    }

    /// Checks an 8-byte padded value, spending a try when it is wrong.
    fn check(&mut self, given: &[u8]) -> Result<(), Sw> {
        if self.tries == 0 {
            return Err(BLOCKED);
        }
        if given != self.value {
            self.tries -= 1;
            return Err(if self.tries == 0 {
                BLOCKED
            } else {
                0x63C0 | Sw::from(self.tries)
            });
        }
        self.tries = self.max;
        Ok(())
    }

    fn set(&mut self, new: &[u8]) -> Result<(), Sw> {
        let len = new.iter().position(|&b| b == 0xFF).unwrap_or(8);
        if len < 6 || new[len..].iter().any(|&b| b != 0xFF) {
            return Err(WRONG_DATA);
        }
        self.value.copy_from_slice(new);
        self.default = false;
        Ok(())
    }
}

struct Key {
    secret: p256::SecretKey,
    /// Resolved policies as GET METADATA reports them: PIN 1 never, 2 once,
    /// 3 always; touch 1 never, 2 always, 3 cached.
    pin_policy: u8,
    touch_policy: u8,
    /// 1 generated on the card, 2 imported.
    origin: u8,
}

/// How far the management key's authentication has come.
enum MgmAuth {
    None,
    /// Mutual: the witness the card sent encrypted.
    Witness([u8; 8]),
    /// External: the challenge the card sent in clear.
    Challenge([u8; 8]),
    Done,
}

struct Piv {
    serial: u32,
    pin: Reference,
    puk: Reference,
    mgm: [u8; 24],
    mgm_default: bool,
    mgm_auth: MgmAuth,
    pin_verified: bool,
    /// The PIN was verified and no "always" key has used it since.
    pin_fresh: bool,
    keys: BTreeMap<u8, Key>,
    objects: BTreeMap<Vec<u8>, Vec<u8>>,
}

impl Piv {
    fn new(serial: u32) -> Piv {
        Piv {
            serial,
            pin: Reference::new(b"123456", 3),
            puk: Reference::new(b"12345678", 3),
            mgm: DEFAULT_MGM,
            mgm_default: true,
            mgm_auth: MgmAuth::None,
            pin_verified: false,
            pin_fresh: false,
            keys: BTreeMap::new(),
            objects: BTreeMap::new(),
        }
    }

    fn deselect(&mut self) {
        self.mgm_auth = MgmAuth::None;
        self.pin_verified = false;
        self.pin_fresh = false;
    }

    fn admin(&self) -> Result<(), Sw> {
        match self.mgm_auth {
            MgmAuth::Done => Ok(()),
            _ => Err(SECURITY),
        }
    }

    fn command(&mut self, ins: u8, p1: u8, p2: u8, data: &[u8]) -> Result<Vec<u8>, Sw> {
        match ins {
            0xA4 => self.select(p1, data),
            0xFD => Ok(vec![5, 4, 3]),
            0xF8 => Ok(self.serial.to_be_bytes().to_vec()),
            0x20 => self.verify(p1, p2, data),
            0x24 => self.change_reference(p2, data),
            0x2C => self.reset_retry(p2, data),
            0x87 => self.authenticate(p1, p2, data),
            0xCB => self.get_data(p1, p2, data),
            0xDB => self.put_data(p1, p2, data),
            0xFF => self.set_mgm(p1, p2, data),
            0xFE => self.import(p1, p2, data),
            0x47 => self.generate(p2, data),
            0xF7 => self.metadata(p2),
            0xFA => self.set_pin_retries(p1, p2),
            0xFB => self.reset(),
            _ => Err(NO_INS),
        }
    }

    fn select(&mut self, p1: u8, aid: &[u8]) -> Result<Vec<u8>, Sw> {
        if p1 != 0x04 || aid.len() < PIV_AID.len() || aid[..5] != PIV_AID {
            return Err(NOT_FOUND);
        }
        self.deselect();
        // The application property template: PIX and the authority's AID.
        Ok(vec![
            0x61, 0x11, 0x4F, 0x06, 0x00, 0x00, 0x10, 0x00, 0x01, 0x00, 0x79, 0x07, 0x4F, 0x05,
            0xA0, 0x00, 0x00, 0x03, 0x08,
        ])
    }

    fn reference(&mut self, p2: u8) -> Result<&mut Reference, Sw> {
        match p2 {
            0x80 => Ok(&mut self.pin),
            0x81 => Ok(&mut self.puk),
            _ => Err(NO_REFERENCE),
        }
    }

    fn verify(&mut self, p1: u8, p2: u8, data: &[u8]) -> Result<Vec<u8>, Sw> {
        if p2 != 0x80 {
            return Err(NO_REFERENCE);
        }
        if p1 == 0xFF {
            self.pin_verified = false;
            self.pin_fresh = false;
            return Ok(Vec::new());
        }
        if data.is_empty() {
            return if self.pin_verified {
                Ok(Vec::new())
            } else if self.pin.tries == 0 {
                Err(BLOCKED)
            } else {
                Err(0x63C0 | Sw::from(self.pin.tries))
            };
        }
        if data.len() != 8 {
            return Err(WRONG_LENGTH);
        }
        self.pin_verified = false;
        self.pin.check(data)?;
        self.pin_verified = true;
        self.pin_fresh = true;
        Ok(Vec::new())
    }

    fn change_reference(&mut self, p2: u8, data: &[u8]) -> Result<Vec<u8>, Sw> {
        if data.len() != 16 {
            return Err(WRONG_LENGTH);
        }
        let r = self.reference(p2)?;
        r.check(&data[..8])?;
        r.set(&data[8..])?;
        Ok(Vec::new())
    }

    fn reset_retry(&mut self, p2: u8, data: &[u8]) -> Result<Vec<u8>, Sw> {
        if p2 != 0x80 {
            return Err(NO_REFERENCE);
        }
        if data.len() != 16 {
            return Err(WRONG_LENGTH);
        }
        self.puk.check(&data[..8])?;
        self.pin.set(&data[8..])?;
        self.pin.tries = self.pin.max;
        Ok(Vec::new())
    }

    fn cipher(&self) -> des::TdesEde3 {
        des::TdesEde3::new_from_slice(&self.mgm).expect("24-byte key")
    }

    fn authenticate(&mut self, alg: u8, slot: u8, data: &[u8]) -> Result<Vec<u8>, Sw> {
        let outer = tlvs(data).ok_or(WRONG_DATA)?;
        let [(0x7C, inner)] = outer.as_slice() else {
            return Err(WRONG_DATA);
        };
        let fields: BTreeMap<u8, &[u8]> = tlvs(inner).ok_or(WRONG_DATA)?.into_iter().collect();
        if slot == SLOT_MGM {
            if alg != ALG_3DES {
                return Err(WRONG_P1P2);
            }
            return self.mgm_authenticate(&fields);
        }
        if alg != ALG_P256 {
            return Err(WRONG_P1P2);
        }
        let (Some(&[]), Some(hash)) = (fields.get(&0x82), fields.get(&0x81)) else {
            return Err(WRONG_DATA);
        };
        let key = self.keys.get(&slot).ok_or(WRONG_DATA)?;
        match key.pin_policy {
            3 if !self.pin_fresh => return Err(SECURITY),
            2 if !self.pin_verified => return Err(SECURITY),
            _ => {}
        }
        if hash.len() > 32 {
            return Err(WRONG_LENGTH);
        }
        let signer = p256::ecdsa::SigningKey::from(&key.secret);
        let sig: p256::ecdsa::Signature = signer.sign_prehash(hash).map_err(|_| WRONG_DATA)?;
        if key.pin_policy == 3 {
            self.pin_fresh = false;
        }
        let der = sig.to_der();
        Ok(tlv(0x7C, &tlv(0x82, der.as_bytes())))
    }

    fn mgm_authenticate(&mut self, fields: &BTreeMap<u8, &[u8]>) -> Result<Vec<u8>, Sw> {
        let cipher = self.cipher();
        let state = std::mem::replace(&mut self.mgm_auth, MgmAuth::None);
        match (fields.get(&0x80), fields.get(&0x81), fields.get(&0x82)) {
            // Mutual, step 1: the card sends a witness, encrypted.
            (Some(&[]), None, None) => {
                let witness = random8();
                let mut block = GenericArray::clone_from_slice(&witness);
                cipher.encrypt_block(&mut block);
                self.mgm_auth = MgmAuth::Witness(witness);
                Ok(tlv(0x7C, &tlv(0x80, &block)))
            }
            // Mutual, step 2: the host decrypted it; it gets its challenge encrypted.
            (Some(decrypted), Some(challenge), None) if challenge.len() == 8 => {
                let MgmAuth::Witness(witness) = state else {
                    return Err(CONDITIONS);
                };
                if *decrypted != witness {
                    return Err(SECURITY);
                }
                let mut block = GenericArray::clone_from_slice(challenge);
                cipher.encrypt_block(&mut block);
                self.mgm_auth = MgmAuth::Done;
                Ok(tlv(0x7C, &tlv(0x82, &block)))
            }
            // External, step 1: a challenge in clear.
            (None, Some(&[]), None) => {
                let challenge = random8();
                self.mgm_auth = MgmAuth::Challenge(challenge);
                Ok(tlv(0x7C, &tlv(0x81, &challenge)))
            }
            // External, step 2: the host's answer, the challenge encrypted.
            (None, None, Some(answer)) if answer.len() == 8 => {
                let MgmAuth::Challenge(challenge) = state else {
                    return Err(CONDITIONS);
                };
                let mut block = GenericArray::clone_from_slice(answer);
                cipher.decrypt_block(&mut block);
                if block.as_slice() != challenge {
                    return Err(SECURITY);
                }
                self.mgm_auth = MgmAuth::Done;
                Ok(Vec::new())
            }
            _ => Err(WRONG_DATA),
        }
    }

    fn object_id(data: &[u8]) -> Result<Vec<u8>, Sw> {
        match tlvs(data).as_deref() {
            Some([(0x5C, id), ..]) if (1..=3).contains(&id.len()) => Ok(id.to_vec()),
            _ => Err(WRONG_DATA),
        }
    }

    fn get_data(&mut self, p1: u8, p2: u8, data: &[u8]) -> Result<Vec<u8>, Sw> {
        if (p1, p2) != (0x3F, 0xFF) {
            return Err(WRONG_P1P2);
        }
        let id = Piv::object_id(data)?;
        if id == OBJ_PRINTED && !self.pin_verified {
            return Err(SECURITY);
        }
        self.objects.get(&id).cloned().ok_or(NOT_FOUND)
    }

    fn put_data(&mut self, p1: u8, p2: u8, data: &[u8]) -> Result<Vec<u8>, Sw> {
        if (p1, p2) != (0x3F, 0xFF) {
            return Err(WRONG_P1P2);
        }
        self.admin()?;
        let fields = tlvs(data).ok_or(WRONG_DATA)?;
        let [(0x5C, id), (0x53, content)] = fields.as_slice() else {
            return Err(WRONG_DATA);
        };
        if content.is_empty() {
            self.objects.remove(*id);
        } else {
            self.objects.insert(id.to_vec(), tlv(0x53, content));
        }
        Ok(Vec::new())
    }

    fn set_mgm(&mut self, p1: u8, p2: u8, data: &[u8]) -> Result<Vec<u8>, Sw> {
        if p1 != 0xFF || !(p2 == 0xFF || p2 == 0xFE) {
            return Err(WRONG_P1P2);
        }
        self.admin()?;
        match data {
            [ALG_3DES, SLOT_MGM, 24, key @ ..] if key.len() == 24 => {
                self.mgm.copy_from_slice(key);
                self.mgm_default = key == DEFAULT_MGM;
                Ok(Vec::new())
            }
            _ => Err(WRONG_DATA),
        }
    }

    fn policies(slot: u8, fields: &BTreeMap<u8, &[u8]>) -> Result<(u8, u8), Sw> {
        let pick = |tag: u8, default: u8| match fields.get(&tag) {
            None | Some(&[0]) => Ok(default),
            Some(&[v @ 1..=3]) => Ok(*v),
            _ => Err(WRONG_DATA),
        };
        Ok((
            pick(0xAA, if slot == 0x9C { 3 } else { 2 })?,
            pick(0xAB, 1)?,
        ))
    }

    fn key_slot(slot: u8) -> Result<u8, Sw> {
        match slot {
            0x9A | 0x9C | 0x9D | 0x9E | 0x82..=0x95 => Ok(slot),
            _ => Err(WRONG_P1P2),
        }
    }

    fn import(&mut self, alg: u8, slot: u8, data: &[u8]) -> Result<Vec<u8>, Sw> {
        let slot = Piv::key_slot(slot)?;
        self.admin()?;
        if alg != ALG_P256 {
            return Err(WRONG_P1P2);
        }
        let fields: BTreeMap<u8, &[u8]> = tlvs(data).ok_or(WRONG_DATA)?.into_iter().collect();
        let scalar = fields.get(&0x06).ok_or(WRONG_DATA)?;
        let secret = p256::SecretKey::from_slice(scalar).map_err(|_| WRONG_DATA)?;
        let (pin_policy, touch_policy) = Piv::policies(slot, &fields)?;
        self.keys.insert(
            slot,
            Key {
                secret,
                pin_policy,
                touch_policy,
                origin: 2,
            },
        );
        Ok(Vec::new())
    }

    fn generate(&mut self, slot: u8, data: &[u8]) -> Result<Vec<u8>, Sw> {
        let slot = Piv::key_slot(slot)?;
        self.admin()?;
        let outer = tlvs(data).ok_or(WRONG_DATA)?;
        let [(0xAC, inner)] = outer.as_slice() else {
            return Err(WRONG_DATA);
        };
        let fields: BTreeMap<u8, &[u8]> = tlvs(inner).ok_or(WRONG_DATA)?.into_iter().collect();
        if fields.get(&0x80) != Some(&&[ALG_P256][..]) {
            return Err(WRONG_DATA);
        }
        let (pin_policy, touch_policy) = Piv::policies(slot, &fields)?;
        let secret = p256::SecretKey::random(&mut OsRng);
        let point = public_point(&secret);
        self.keys.insert(
            slot,
            Key {
                secret,
                pin_policy,
                touch_policy,
                origin: 1,
            },
        );
        let mut out = vec![0x7F];
        out.extend(tlv(0x49, &tlv(0x86, &point)));
        Ok(out)
    }

    fn metadata(&mut self, slot: u8) -> Result<Vec<u8>, Sw> {
        let mut out = Vec::new();
        match slot {
            0x80 | 0x81 => {
                let r = self.reference(slot)?;
                out.extend(tlv(0x01, &[0xFF]));
                out.extend(tlv(0x05, &[u8::from(r.default)]));
                out.extend(tlv(0x06, &[r.max, r.tries]));
            }
            SLOT_MGM => {
                out.extend(tlv(0x01, &[ALG_3DES]));
                out.extend(tlv(0x02, &[0x00, 0x01]));
                out.extend(tlv(0x05, &[u8::from(self.mgm_default)]));
            }
            _ => {
                let key = self.keys.get(&Piv::key_slot(slot)?).ok_or(NO_REFERENCE)?;
                out.extend(tlv(0x01, &[ALG_P256]));
                out.extend(tlv(0x02, &[key.pin_policy, key.touch_policy]));
                out.extend(tlv(0x03, &[key.origin]));
                out.extend(tlv(0x04, &tlv(0x86, &public_point(&key.secret))));
            }
        }
        Ok(out)
    }

    fn set_pin_retries(&mut self, pin: u8, puk: u8) -> Result<Vec<u8>, Sw> {
        self.admin()?;
        if !self.pin_verified {
            return Err(SECURITY);
        }
        if pin == 0 || puk == 0 {
            return Err(WRONG_P1P2);
        }
        // As on a YubiKey: the PIN and PUK go back to their defaults.
        self.pin = Reference::new(b"123456", pin);
        self.puk = Reference::new(b"12345678", puk);
        Ok(Vec::new())
    }

    fn reset(&mut self) -> Result<Vec<u8>, Sw> {
        if self.pin.tries != 0 || self.puk.tries != 0 {
            return Err(CONDITIONS);
        }
        *self = Piv::new(self.serial);
        Ok(Vec::new())
    }
}

struct OsRng;

impl p256::elliptic_curve::rand_core::RngCore for OsRng {
    fn next_u32(&mut self) -> u32 {
        let mut b = [0; 4];
        self.fill_bytes(&mut b);
        u32::from_le_bytes(b)
    }
    fn next_u64(&mut self) -> u64 {
        let mut b = [0; 8];
        self.fill_bytes(&mut b);
        u64::from_le_bytes(b)
    }
    fn fill_bytes(&mut self, dest: &mut [u8]) {
        getrandom::getrandom(dest).expect("the system's random source");
    }
    fn try_fill_bytes(
        &mut self,
        dest: &mut [u8],
    ) -> Result<(), p256::elliptic_curve::rand_core::Error> {
        self.fill_bytes(dest);
        Ok(())
    }
}

impl p256::elliptic_curve::rand_core::CryptoRng for OsRng {}

fn random8() -> [u8; 8] {
    let mut b = [0; 8];
    getrandom::getrandom(&mut b).expect("the system's random source");
    b
}

fn public_point(secret: &p256::SecretKey) -> Vec<u8> {
    use p256::elliptic_curve::sec1::ToEncodedPoint;
    secret
        .public_key()
        .to_encoded_point(false)
        .as_bytes()
        .to_vec()
}

/// BER-TLV with one-byte tags and definite lengths (up to 0xFFFF).
fn tlv(tag: u8, value: &[u8]) -> Vec<u8> {
    let mut out = vec![tag];
    match value.len() {
        n @ 0..=0x7F => out.push(n as u8),
        n @ 0x80..=0xFF => out.extend([0x81, n as u8]),
        n => out.extend([0x82, (n >> 8) as u8, n as u8]),
    }
    out.extend_from_slice(value);
    out
}

/// Splits `data` into TLVs; None when it is not exactly a run of them.
fn tlvs(mut data: &[u8]) -> Option<Vec<(u8, &[u8])>> {
    let mut out = Vec::new();
    while !data.is_empty() {
        let tag = data[0];
        let (len, head) = match *data.get(1)? {
            n @ 0..=0x7F => (usize::from(n), 2),
            0x81 => (usize::from(*data.get(2)?), 3),
            0x82 => (
                usize::from(*data.get(2)?) << 8 | usize::from(*data.get(3)?),
                4,
            ),
            _ => return None,
        };
        let value = data.get(head..head + len)?;
        out.push((tag, value));
        data = &data[head + len..];
    }
    Some(out)
}

/// APDU framing: command chaining in, GET RESPONSE out.
struct Card {
    piv: Piv,
    chained: Vec<u8>,
    response: Vec<u8>,
    sent: usize,
}

impl Card {
    fn next_chunk(&mut self, le: usize) -> Vec<u8> {
        let n = le.min(self.response.len() - self.sent);
        let mut out = self.response[self.sent..self.sent + n].to_vec();
        self.sent += n;
        let left = self.response.len() - self.sent;
        let sw: Sw = if left == 0 {
            OK
        } else {
            0x6100 | left.min(0xFF) as Sw
        };
        out.extend(sw.to_be_bytes());
        out
    }

    fn handle(&mut self, apdu: &[u8]) -> Vec<u8> {
        let Some((cla, ins, p1, p2, data, le)) = parse(apdu) else {
            return WRONG_LENGTH.to_be_bytes().to_vec();
        };
        if ins == 0xC0 {
            return self.next_chunk(le);
        }
        self.chained.extend_from_slice(data);
        if cla & 0x10 != 0 {
            return OK.to_be_bytes().to_vec();
        }
        let data = std::mem::take(&mut self.chained);
        self.response.clear();
        self.sent = 0;
        match self.piv.command(ins, p1, p2, &data) {
            Ok(out) => {
                self.response = out;
                self.next_chunk(le)
            }
            Err(sw) => sw.to_be_bytes().to_vec(),
        }
    }
}

type Apdu<'a> = (u8, u8, u8, u8, &'a [u8], usize);

/// Short and extended APDUs; an absent or zero Le asks for up to 256 bytes.
fn parse(apdu: &[u8]) -> Option<Apdu<'_>> {
    let [cla, ins, p1, p2, body @ ..] = apdu else {
        return None;
    };
    let (data, le): (&[u8], usize) = match body {
        [] => (&[], 256),
        [le] => (&[], if *le == 0 { 256 } else { usize::from(*le) }),
        [0, hi, lo, rest @ ..] if rest.len() >= usize::from(*hi) << 8 | usize::from(*lo) => {
            let lc = usize::from(*hi) << 8 | usize::from(*lo);
            (&rest[..lc], 65536)
        }
        [lc, rest @ ..] if rest.len() == usize::from(*lc) || rest.len() == usize::from(*lc) + 1 => {
            let lc = usize::from(*lc);
            let le = match rest.get(lc) {
                Some(0) | None => 256,
                Some(n) => usize::from(*n),
            };
            (&rest[..lc], le)
        }
        _ => return None,
    };
    Some((*cla, *ins, *p1, *p2, data, le))
}

impl vpicc::VSmartCard for Card {
    fn atr(&self) -> &[u8] {
        &ATR
    }

    fn power_off(&mut self) {
        self.piv.deselect();
    }

    fn reset(&mut self) {
        self.piv.deselect();
    }

    fn execute(&mut self, apdu: &[u8]) -> Vec<u8> {
        self.handle(apdu)
    }
}

fn usage() -> ! {
    eprintln!("usage: virtual-piv --port PORT [--serial DECIMAL]");
    std::process::exit(2)
}

fn main() {
    let (mut port, mut serial) = (35963u16, 10_000_001u32);
    let mut it = std::env::args().skip(1);
    while let Some(a) = it.next() {
        let v = it.next().unwrap_or_else(|| usage());
        match a.as_str() {
            "--port" => port = v.parse().unwrap_or_else(|_| usage()),
            "--serial" => serial = v.parse().unwrap_or_else(|_| usage()),
            _ => usage(),
        }
    }
    let mut card = Card {
        piv: Piv::new(serial),
        chained: Vec::new(),
        response: Vec::new(),
        sent: 0,
    };
    vpcd_link::insert(port, "virtual-piv", &mut card);
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_wrong_pin_counts_down_and_blocks() {
        let mut piv = Piv::new(1);
        let wrong = *b"000000\xff\xff";
        assert_eq!(piv.verify(0, 0x80, &wrong), Err(0x63C2));
        assert_eq!(piv.verify(0, 0x80, &wrong), Err(0x63C1));
        assert_eq!(piv.verify(0, 0x80, &wrong), Err(BLOCKED));
        assert_eq!(piv.verify(0, 0x80, b"123456\xff\xff"), Err(BLOCKED));
    }

    #[test]
    fn tlvs_refuse_a_length_past_the_end() {
        assert!(tlvs(&[0x5C, 0x05, 1, 2]).is_none());
        assert_eq!(tlvs(&[0x5C, 0x01, 7]).unwrap(), vec![(0x5C, &[7u8][..])]);
    }
}
