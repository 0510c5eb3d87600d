//! Integration tests, compiled into one binary: each module drives the real
//! `keyceremony` binary and, for interoperability, the real gpg, sq and sqop.

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
