//! A sequoia `Signer` whose secret half is on an OpenPGP card.

use openpgp_card::ocard::crypto::{HashAlgo, SigningAlgo};
use openpgp_card::ocard::Transaction;
use pgp::crypto::mpi;
use pgp::packet::key::{PublicParts, UnspecifiedRole};
use pgp::packet::Key;
use pgp::types::HashAlgorithm;
use sequoia_openpgp as pgp;

pub struct CardSigner<'a, 'b> {
    pub tx: &'a mut Transaction<'b>,
    pub public: Key<PublicParts, UnspecifiedRole>,
}

impl pgp::crypto::Signer for CardSigner<'_, '_> {
    fn public(&self) -> &Key<PublicParts, UnspecifiedRole> {
        &self.public
    }

    fn acceptable_hashes(&self) -> &[HashAlgorithm] {
        &[HashAlgorithm::SHA512, HashAlgorithm::SHA256]
    }

    fn sign(&mut self, hash_algo: HashAlgorithm, digest: &[u8]) -> pgp::Result<mpi::Signature> {
        match self.public.mpis() {
            mpi::PublicKey::EdDSA { .. } => {
                let sig = self.tx.signature_for_hash(SigningAlgo::ECC, digest)?;
                if sig.len() != 64 {
                    return Err(anyhow::anyhow!(
                        "the card returned a {}-byte EdDSA signature",
                        sig.len()
                    ));
                }
                Ok(mpi::Signature::EdDSA {
                    r: mpi::MPI::new(&sig[..32]),
                    s: mpi::MPI::new(&sig[32..]),
                })
            }
            mpi::PublicKey::RSA { .. } => {
                let h = match hash_algo {
                    HashAlgorithm::SHA256 => HashAlgo::SHA256,
                    HashAlgorithm::SHA512 => HashAlgo::SHA512,
                    other => return Err(anyhow::anyhow!("hash {other} is not used with cards")),
                };
                let sig = self.tx.signature_for_hash(SigningAlgo::RSA(h), digest)?;
                Ok(mpi::Signature::RSA {
                    s: mpi::MPI::new(&sig),
                })
            }
            _ => Err(anyhow::anyhow!(
                "this key type is not signed with on cards by keyceremony"
            )),
        }
    }
}
