//! Integration tests, compiled into one binary: the modules drive the real
//! `keyceremony` binary and, for interoperability, the real gpg, sq and sqop
//! (`repo` reads the repository's files, and a few tests call the library
//! where the binary has no door, such as the share test vectors).
//!
//! What goes where: `harness/` holds the equipment every test may use (the
//! binary, fixtures, gpg homes, sticks in mount namespaces, pcscd with
//! virtual cards and PIV tokens, SoftHSM2, the cosign peers, ceremonies on an
//! existing key, the online side's bundles and images); each other module is
//! the tests of one flow or concern, named after it, and imports only from
//! `harness` (never from another test module). Where a flow has no module of
//! its own: `subkey` rotate/revoke is in `renew`, `lost-card` in `cards`, the
//! primary's `rotate` in `online` (its bundles are what the online side
//! follows), `restore` in `hardening` (damaged backups and shares),
//! `media_faults` and `cosign`, and the cosign key's ceremonies in `cosign`. The virtual devices and the
//! sigstore peer are crates of their own under tests/ (`virtual-card`,
//! `virtual-piv`, `cosign-peer`, and `vpcd-link`, the two cards' link to
//! vpcd), built by the harness on first use; `vectors/` holds fixed inputs.

mod harness;

mod airgap;
mod cards;
mod certify;
mod cli;
mod cosign;
mod genesis;
mod hardening;
mod interop_gpg;
mod interop_sq;
mod media_faults;
mod online;
mod online_attacks;
mod piv;
mod registry;
mod renew;
mod repo;
mod reshare;
mod shares;
mod transcript;
mod tui;
mod two_person;
mod witnesses;
