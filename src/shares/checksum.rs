//! A Reed-Solomon checksum over GF(2^11): three check words on a share.
//!
//! BIP39 words carry 11 bits, so each word is one element of GF(2048). Three
//! check symbols from the generator (x - a)(x - a^2)(x - a^3) give a code of
//! minimum distance 4: *any* three wrong words in a share are detected, not
//! merely most of them, and a single wrong word can be located and corrected
//! unambiguously. This is SLIP-39's RS1024 idea moved from 10-bit to 11-bit
//! words. A customisation prefix keeps other word lists (a BIP39 passphrase,
//! a future format) from passing as a share.
//!
//! The field is GF(2)[x] / (x^11 + x^2 + 1); the test below proves that
//! polynomial primitive by walking the whole multiplicative group.

/// x^11 + x^2 + 1.
const POLY: u16 = 0x805;
const ORDER: usize = 2047;

pub const CHECK_WORDS: usize = 3;

/// Prefix symbols mixed into every checksum: "kc" and the format version.
const CUSTOMISATION: [u16; 3] = [b'k' as u16, b'c' as u16, 1];

struct Field {
    exp: [u16; 2 * ORDER],
    log: [u16; 2048],
}

fn field() -> &'static Field {
    static FIELD: std::sync::OnceLock<Field> = std::sync::OnceLock::new();
    FIELD.get_or_init(|| {
        let mut exp = [0u16; 2 * ORDER];
        let mut log = [0u16; 2048];
        let mut x: u16 = 1;
        for (i, e) in exp.iter_mut().enumerate().take(ORDER) {
            *e = x;
            log[x as usize] = i as u16;
            x <<= 1;
            if x & 0x800 != 0 {
                x ^= POLY;
            }
        }
        for i in ORDER..2 * ORDER {
            exp[i] = exp[i - ORDER];
        }
        Field { exp, log }
    })
}

fn mul(a: u16, b: u16) -> u16 {
    if a == 0 || b == 0 {
        return 0;
    }
    let f = field();
    f.exp[f.log[a as usize] as usize + f.log[b as usize] as usize]
}

/// Coefficients of g(x) = (x + a)(x + a^2)(x + a^3), highest degree first, monic.
fn generator() -> [u16; CHECK_WORDS + 1] {
    let f = field();
    let mut g = vec![1u16];
    for i in 1..=CHECK_WORDS {
        let root = f.exp[i];
        let mut next = vec![0u16; g.len() + 1];
        for (j, &c) in g.iter().enumerate() {
            next[j] ^= c;
            next[j + 1] ^= mul(c, root);
        }
        g = next;
    }
    [g[0], g[1], g[2], g[3]]
}

/// Remainder of (prefix || symbols) * x^3 divided by g(x): the check words.
fn remainder(symbols: &[u16]) -> [u16; CHECK_WORDS] {
    let g = generator();
    let mut r = [0u16; CHECK_WORDS];
    for &s in CUSTOMISATION.iter().chain(symbols) {
        let lead = s ^ r[0];
        r = [r[1], r[2], 0];
        for k in 0..CHECK_WORDS {
            r[k] ^= mul(lead, g[k + 1]);
        }
    }
    r
}

/// The three check words for `data` (each < 2048).
pub fn checksum(data: &[u16]) -> [u16; CHECK_WORDS] {
    remainder(data)
}

/// Whether `words` (data followed by its check words) is a codeword.
pub fn is_valid(words: &[u16]) -> bool {
    if words.len() < CHECK_WORDS {
        return false;
    }
    let (data, check) = words.split_at(words.len() - CHECK_WORDS);
    remainder(data) == [check[0], check[1], check[2]]
}

/// The code's syndromes: the codeword polynomial (prefix, data and check
/// words, the last word the constant term) evaluated at a, a^2 and a^3, the
/// roots of g(x). All three are zero exactly for a codeword; for one wrong
/// word they are e·a^p, e·a^2p, e·a^3p (e the error, p the word's power of
/// x), which is what lets a mistake be located in one pass instead of by
/// trying all 2048 words at every position.
fn syndromes(words: &[u16]) -> [u16; CHECK_WORDS] {
    let f = field();
    let mut s = [0u16; CHECK_WORDS];
    for (i, si) in s.iter_mut().enumerate() {
        let root = f.exp[i + 1];
        for &w in CUSTOMISATION.iter().chain(words) {
            *si = mul(*si, root) ^ w;
        }
    }
    s
}

/// a^k.
fn power(k: usize) -> u16 {
    field().exp[k % ORDER]
}

/// a / b, for b != 0.
fn div(a: u16, b: u16) -> u16 {
    if a == 0 {
        return 0;
    }
    let f = field();
    f.exp[f.log[a as usize] as usize + ORDER - f.log[b as usize] as usize]
}

/// The one word change that makes `words` a codeword, if one does:
/// (position, the word that belongs there). The code's distance is 4, so
/// at most one single-word change can.
pub fn correct_one(words: &[u16]) -> Option<(usize, u16)> {
    let [s1, s2, s3] = syndromes(words);
    if s1 == 0 || s2 == 0 {
        return None;
    }
    let located = div(s2, s1);
    let p = field().log[located as usize] as usize;
    if p >= words.len() {
        return None;
    }
    let e = div(s1, located);
    if mul(mul(e, located), mul(located, located)) != s3 {
        return None;
    }
    let pos = words.len() - 1 - p;
    Some((pos, words[pos] ^ e))
}

/// The word that, inserted before `words[pos]` (or at the end when `pos` is
/// `words.len()`), makes a codeword, if one does.
pub fn insert_one(words: &[u16], pos: usize) -> Option<u16> {
    let mut t = Vec::with_capacity(words.len() + 1);
    t.extend_from_slice(&words[..pos]);
    t.push(0);
    t.extend_from_slice(&words[pos..]);
    let degree = t.len() - 1 - pos;
    let [s1, ..] = syndromes(&t);
    // A zero inserted, the syndromes are what the missing word must cancel:
    // w·a^degree = s1; the other two are checked on the whole word.
    t[pos] = div(s1, power(degree));
    let fits = is_valid(&t);
    let word = t[pos];
    t.fill(0);
    fits.then_some(word)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_field_polynomial_is_primitive() {
        let f = field();
        let mut seen = std::collections::HashSet::new();
        for i in 0..ORDER {
            assert!(seen.insert(f.exp[i]), "a^{i} repeats: not primitive");
        }
        assert_eq!(seen.len(), 2047);
        assert!(!seen.contains(&0));
    }

    #[test]
    fn multiplication_is_consistent() {
        for a in [1u16, 2, 3, 1000, 2047] {
            assert_eq!(mul(a, 1), a);
            assert_eq!(mul(a, 0), 0);
            let inv = field().exp[ORDER - field().log[a as usize] as usize];
            assert_eq!(mul(a, inv), 1);
        }
    }

    fn sample() -> Vec<u16> {
        let mut w: Vec<u16> = (0..27u16).map(|i| (i * 613 + 7) % 2048).collect();
        let c = checksum(&w);
        w.extend_from_slice(&c);
        w
    }

    #[test]
    fn every_single_and_double_word_error_is_detected() {
        let w = sample();
        assert!(is_valid(&w));
        for i in 0..w.len() {
            for d in 1..2048u16 {
                let mut bad = w.clone();
                bad[i] ^= d;
                assert!(!is_valid(&bad), "single error at {i} missed");
            }
        }
        for i in 0..w.len() {
            for j in i + 1..w.len() {
                let mut bad = w.clone();
                bad[i] ^= 0x155;
                bad[j] ^= 0x2aa;
                assert!(!is_valid(&bad), "double error at {i},{j} missed");
                let mut swapped = w.clone();
                swapped.swap(i, j);
                assert!(swapped == w || !is_valid(&swapped), "swap {i},{j} missed");
            }
        }
    }

    #[test]
    fn the_customisation_separates_formats() {
        // Same data, no prefix: a plain RS checksum must not match ours.
        let w = sample();
        let mut plain = [0u16; 3];
        let g = generator();
        for &s in &w[..w.len() - 3] {
            let lead = s ^ plain[0];
            plain = [plain[1], plain[2], 0];
            for k in 0..3 {
                plain[k] ^= mul(lead, g[k + 1]);
            }
        }
        assert_ne!(plain[..], w[w.len() - 3..]);
    }
}
