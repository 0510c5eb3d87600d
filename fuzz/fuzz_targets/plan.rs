//! A plan from a medium: parsing and validation never panic; a plan that
//! validates survives a round trip through TOML.
#![no_main]
use keyceremony::plan::Plan;
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else { return };
    if let Ok(plan) = Plan::from_toml(text) {
        Plan::from_toml(&plan.to_toml()).expect("a valid plan round-trips");
    }
});
