//! Splitting and combining, with every check blahaj leaves to us.

use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};
use zeroize::Zeroizing;

use super::codec::{set_id_text, Share, FORMAT_VERSION};
use super::ShareError;

/// A fresh split: the shares and the facts kept with the backup.
pub struct ShareSet {
    pub info: SetInfo,
    pub shares: Vec<Share>,
}

/// Public facts of a split, written to the backup as `shares.json`. The check
/// value is a SHA-256 of the secret under the set id: it identifies the right
/// secret without helping anyone find it (the secret has 128 or 256 bits).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SetInfo {
    pub format: u8,
    pub set_id: String,
    pub threshold: u8,
    pub count: u8,
    pub secret_bytes: usize,
    pub check: String,
}

fn check_value(set_id: u32, secret: &[u8]) -> String {
    let mut h = Sha256::new();
    h.update(b"keyceremony share-set check v1\0");
    h.update(set_id.to_be_bytes());
    h.update(secret);
    hex::encode(h.finalize())
}

impl SetInfo {
    /// Confirms that `secret` is the one this set was split from.
    pub fn verify(&self, secret: &[u8]) -> Result<(), ShareError> {
        let id = u32::from_str_radix(&self.set_id, 16).unwrap_or(u32::MAX);
        let ok = secret.len() == self.secret_bytes && check_value(id, secret) == self.check;
        ok.then_some(()).ok_or_else(|| ShareError::Mismatch {
            set: self.set_id.clone(),
        })
    }
}

/// Splits a 16- or 32-byte secret into `count` shares, any `threshold` of which restore it.
pub fn split(secret: &[u8], threshold: u8, count: u8) -> Result<ShareSet, ShareError> {
    if !(2..=16).contains(&count) || !(2..=count).contains(&threshold) {
        return Err(ShareError::Parameters(format!(
            "{threshold} of {count} is not allowed: need 2 <= threshold <= count <= 16"
        )));
    }
    if secret.len() != 16 && secret.len() != 32 {
        return Err(ShareError::Parameters(format!(
            "a secret of {} bytes cannot be split: 16 or 32 bytes (12 or 24 words)",
            secret.len()
        )));
    }
    let mut id = [0u8; 4];
    getrandom::getrandom(&mut id[1..]).map_err(ShareError::Rng)?;
    let set_id = u32::from_be_bytes(id) & 0xF_FFFF;
    // blahaj's dealer draws coefficients from rand's ThreadRng, a CSPRNG seeded
    // from the OS; its x coordinates start at 1, so none is ever 0.
    let shares = blahaj::Sharks(threshold)
        .dealer(secret)
        .take(count as usize)
        .map(|s| {
            let bytes = Zeroizing::new(Vec::from(&s));
            Share {
                set_id,
                threshold,
                count,
                index: bytes[0],
                value: Zeroizing::new(bytes[1..].to_vec()),
            }
        })
        .collect();
    Ok(ShareSet {
        info: SetInfo {
            format: FORMAT_VERSION,
            set_id: set_id_text(set_id),
            threshold,
            count,
            secret_bytes: secret.len(),
            check: check_value(set_id, secret),
        },
        shares,
    })
}

/// Combines shares after refusing everything blahaj would silently get wrong.
/// `shares` are numbered from 1 in messages, in the order given.
pub fn combine(shares: &[Share]) -> Result<Zeroizing<Vec<u8>>, ShareError> {
    let Some(first) = shares.first() else {
        return Err(ShareError::TooFew {
            given: 0,
            needed: 2,
        });
    };
    for (i, s) in shares.iter().enumerate() {
        let position = i + 1;
        if s.set_id != first.set_id {
            return Err(ShareError::ForeignSet {
                position,
                index: s.index,
                found: set_id_text(s.set_id),
                expected: set_id_text(first.set_id),
            });
        }
        let what = if s.threshold != first.threshold {
            Some("threshold")
        } else if s.count != first.count {
            Some("share count")
        } else if s.value.len() != first.value.len() {
            Some("secret length")
        } else if s.index == 0 || s.index > s.count {
            Some("index")
        } else {
            None
        };
        if let Some(what) = what {
            return Err(ShareError::Inconsistent { position, what });
        }
        if let Some(earlier) = shares[..i].iter().find(|e| e.index == s.index) {
            return Err(if earlier.value == s.value {
                ShareError::Duplicate { index: s.index }
            } else {
                ShareError::Conflict { index: s.index }
            });
        }
    }
    let needed = first.threshold as usize;
    if shares.len() < needed {
        return Err(ShareError::TooFew {
            given: shares.len(),
            needed,
        });
    }
    let blahaj_shares = shares
        .iter()
        .map(|s| {
            let mut bytes = Zeroizing::new(Vec::with_capacity(s.value.len() + 1));
            bytes.push(s.index);
            bytes.extend_from_slice(&s.value);
            blahaj::Share::try_from(&bytes[..]).map_err(|e| ShareError::Malformed(e.to_string()))
        })
        .collect::<Result<Vec<_>, _>>()?;
    let sharks = blahaj::Sharks(first.threshold);
    let recover = |subset: &[blahaj::Share]| {
        sharks
            .recover(subset)
            .map(Zeroizing::new)
            .map_err(|e| ShareError::Malformed(e.to_owned()))
    };
    let secret = recover(&blahaj_shares[..needed])?;
    // With more than k shares, every extra one must lie on the same polynomial.
    if shares.len() > needed && *recover(&blahaj_shares)? != *secret {
        return Err(ShareError::Disagree {
            odd: odd_one_out(shares, &blahaj_shares, &recover),
        });
    }
    Ok(secret)
}

type Recover<'a> = dyn Fn(&[blahaj::Share]) -> Result<Zeroizing<Vec<u8>>, ShareError> + 'a;

/// The one share whose removal leaves the rest agreeing, if exactly one does.
/// With k + 1 shares every k agree trivially, so this needs k + 2 or more.
fn odd_one_out(shares: &[Share], all: &[blahaj::Share], recover: &Recover<'_>) -> Option<u8> {
    let k = usize::from(shares[0].threshold);
    if all.len() < k + 2 {
        return None;
    }
    let agreeing: Vec<u8> = (0..all.len())
        .filter(|&i| {
            let rest: Vec<blahaj::Share> = all
                .iter()
                .enumerate()
                .filter(|(j, _)| *j != i)
                .map(|(_, s)| s.clone())
                .collect();
            matches!((recover(&rest[..k]), recover(&rest)), (Ok(a), Ok(b)) if *a == *b)
        })
        .map(|i| shares[i].index)
        .collect();
    match agreeing.as_slice() {
        [one] => Some(*one),
        _ => None,
    }
}

/// Combines `shares` and proves the result against the set's check value,
/// using every share given: a k-subset that matches the check value gives the
/// secret, and any share not on that split is named (`Forged`). Without such
/// a subset: `Mismatch`.
pub fn combine_checked(shares: &[Share], info: &SetInfo) -> Result<Zeroizing<Vec<u8>>, ShareError> {
    match combine(shares) {
        Ok(secret) => info.verify(&secret).map(|()| secret),
        Err(ShareError::Disagree { .. }) => {
            let k = usize::from(shares[0].threshold);
            for subset in k_subsets(shares.len(), k) {
                let chosen: Vec<Share> = subset.iter().map(|&i| shares[i].clone()).collect();
                let Ok(secret) = combine(&chosen) else {
                    continue;
                };
                if info.verify(&secret).is_err() {
                    continue;
                }
                // Every other share, with k - 1 good ones, must give the same secret.
                let forged: Vec<u8> = (0..shares.len())
                    .filter(|i| !subset.contains(i))
                    .filter(|&i| {
                        let mut t: Vec<Share> = chosen[..k - 1].to_vec();
                        t.push(shares[i].clone());
                        combine(&t).map(|s| *s != *secret).unwrap_or(true)
                    })
                    .map(|i| shares[i].index)
                    .collect();
                return Err(ShareError::Forged { indices: forged });
            }
            Err(ShareError::Mismatch {
                set: info.set_id.clone(),
            })
        }
        Err(e) => Err(e),
    }
}

/// Every k-element subset of 0..n, in order (n is at most 16 shares).
fn k_subsets(n: usize, k: usize) -> impl Iterator<Item = Vec<usize>> {
    (0u32..1 << n)
        .filter(move |m| m.count_ones() as usize == k)
        .map(move |m| (0..n).filter(|i| m & (1 << i) != 0).collect())
}

#[cfg(test)]
mod tests {
    use super::*;

    const SECRET: [u8; 16] = *b"0123456789abcdef";

    fn subsets(n: usize, k: usize) -> Vec<Vec<usize>> {
        (0u32..1 << n)
            .filter(|m| m.count_ones() as usize == k)
            .map(|m| (0..n).filter(|i| m & (1 << i) != 0).collect())
            .collect()
    }

    #[test]
    fn any_k_of_n_restore_and_k_minus_1_do_not() {
        let set = split(&SECRET, 3, 5).unwrap();
        assert_eq!(set.shares.len(), 5);
        let all = subsets(5, 3);
        assert_eq!(all.len(), 10);
        for subset in all {
            let chosen: Vec<Share> = subset.iter().map(|&i| set.shares[i].clone()).collect();
            let secret = combine(&chosen).unwrap();
            assert_eq!(&secret[..], &SECRET);
            set.info.verify(&secret).unwrap();
        }
        let err = combine(&set.shares[..2]).unwrap_err();
        assert_eq!(err.to_string(), "2 of 3 shares given; one more needed");
    }

    #[test]
    fn indices_run_from_one_and_sets_differ() {
        let a = split(&SECRET, 2, 16).unwrap();
        let idx: Vec<u8> = a.shares.iter().map(|s| s.index).collect();
        assert_eq!(idx, (1..=16).collect::<Vec<u8>>());
        let b = split(&SECRET, 2, 3).unwrap();
        assert!(a.shares[0].value != b.shares[0].value || a.info.set_id != b.info.set_id);
    }

    #[test]
    fn foreign_duplicate_and_conflicting_shares_are_refused() {
        let a = split(&SECRET, 2, 3).unwrap();
        let mut b = split(&SECRET, 2, 3).unwrap();
        if b.shares[0].set_id == a.shares[0].set_id {
            b.shares.iter_mut().for_each(|s| s.set_id ^= 1);
        }
        let err = combine(&[a.shares[0].clone(), b.shares[1].clone()]).unwrap_err();
        assert!(
            err.to_string()
                .starts_with("share 2 (the 2nd given) belongs to another set"),
            "{err}"
        );

        let err = combine(&[a.shares[1].clone(), a.shares[1].clone()]).unwrap_err();
        assert!(matches!(err, ShareError::Duplicate { index: 2 }), "{err}");

        let mut forged = a.shares[1].clone();
        forged.value[0] ^= 1;
        let err = combine(&[a.shares[1].clone(), forged]).unwrap_err();
        assert!(matches!(err, ShareError::Conflict { index: 2 }), "{err}");

        let mut zero = a.shares[0].clone();
        zero.index = 0;
        let err = combine(&[zero, a.shares[1].clone()]).unwrap_err();
        assert!(
            matches!(err, ShareError::Inconsistent { what: "index", .. }),
            "{err}"
        );
    }

    #[test]
    fn a_wrong_but_well_formed_share_is_caught_by_the_check_value() {
        let set = split(&SECRET, 2, 3).unwrap();
        let mut bad = set.shares[1].clone();
        bad.value[3] ^= 0x40;
        let secret = combine(&[set.shares[0].clone(), bad.clone()]).unwrap();
        assert_ne!(&secret[..], &SECRET);
        let err = set.info.verify(&secret).unwrap_err();
        assert!(matches!(err, ShareError::Mismatch { .. }));
        // And with a third share, the disagreement shows before any check value.
        let bad_copy = bad.clone();
        let err = combine(&[set.shares[0].clone(), bad, set.shares[2].clone()]).unwrap_err();
        assert!(matches!(err, ShareError::Disagree { odd: None }), "{err}");
        // The check value tells which one it is.
        let err = combine_checked(
            &[set.shares[0].clone(), bad_copy, set.shares[2].clone()],
            &set.info,
        )
        .unwrap_err();
        assert!(
            matches!(&err, ShareError::Forged { indices } if indices == &[2]),
            "{err}"
        );
    }

    /// Two-sample chi-square statistic over 256 byte-value bins.
    fn chi2_homogeneity(a: &[u64; 256], b: &[u64; 256]) -> f64 {
        let (na, nb) = (a.iter().sum::<u64>() as f64, b.iter().sum::<u64>() as f64);
        (0..256)
            .filter(|&i| a[i] + b[i] > 0)
            .map(|i| {
                let (x, y) = (a[i] as f64, b[i] as f64);
                let d = x * (nb / na).sqrt() - y * (na / nb).sqrt();
                d * d / (x + y)
            })
            .sum()
    }

    /// Bytes of shares 1 and 2 (k-1 = 2 of a 3-of-5 split) over many splits of `secret`.
    fn k_minus_1_histogram(secret: &[u8; 16], splits: usize) -> [u64; 256] {
        let mut h = [0u64; 256];
        for _ in 0..splits {
            let set = split(secret, 3, 5).unwrap();
            for s in &set.shares[..2] {
                for &b in s.value.iter() {
                    h[b as usize] += 1;
                }
            }
        }
        h
    }

    #[test]
    fn k_minus_1_shares_carry_no_information() {
        // 2000 splits x 2 shares x 16 bytes = 64000 samples per secret. Under the
        // null hypothesis the statistic is chi-square with 255 degrees of freedom
        // (mean 255, sd 22.6); 400 is more than six sd out, so a correct
        // implementation fails this about once in a billion runs.
        let zeros = k_minus_1_histogram(&[0u8; 16], 2000);
        let ones = k_minus_1_histogram(&[0xffu8; 16], 2000);
        let stat = chi2_homogeneity(&zeros, &ones);
        assert!(
            stat < 400.0,
            "share bytes depend on the secret: chi2 = {stat}"
        );
        // Each is also uniform on its own.
        let uniform = [250u64; 256];
        assert!(chi2_homogeneity(&zeros, &uniform) < 400.0);
    }

    #[test]
    fn share_bytes_equal_the_secret_byte_only_as_often_as_chance() {
        // Two-sided: sharks before RUSTSEC-2024-0398 drew coefficients from 1..=255,
        // so with k = 2 a share byte could never equal the secret byte, which
        // leaks; a zero-heavy generator would make them equal too often.
        //
        // One share per split: the shares of one split share their coefficients
        // (with k = 2 a zero coefficient makes every share equal the secret at
        // that byte), so counting all of them would not be independent trials.
        for k in [2u8, 3] {
            let mut equal = 0u64;
            let mut total = 0u64;
            for i in 0..10_000 {
                let mut secret = [0u8; 16];
                getrandom::getrandom(&mut secret).unwrap();
                let set = split(&secret, k, 5).unwrap();
                let s = &set.shares[i % 5];
                for (a, b) in s.value.iter().zip(secret.iter()) {
                    equal += u64::from(a == b);
                    total += 1;
                }
            }
            // Chance is 1/256: 625 of 160000, sd about 25; allow six sd either way.
            let expected = total as f64 / 256.0;
            let off = (equal as f64 - expected).abs();
            assert!(
                off < 6.0 * expected.sqrt(),
                "k={k}: {equal} of {total} share bytes equal the secret byte (chance: {expected})"
            );
        }
    }

    #[test]
    fn parameters_out_of_range_are_refused() {
        for (k, n) in [(1, 3), (4, 3), (2, 17), (0, 0)] {
            assert!(split(&SECRET, k, n).is_err(), "{k} of {n}");
        }
        assert!(split(&[0u8; 20], 2, 3).is_err());
    }
}
