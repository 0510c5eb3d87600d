//! Process hardening: no core dumps, not ptrace-able or dumpable, memory locked.
//!
//! Done through `rustix`, whose safe wrappers keep this crate free of `unsafe`.
//! Each step may fail (mlockall needs CAP_IPC_LOCK or a large RLIMIT_MEMLOCK);
//! what could not be done is reported, and the ceremony records it in the
//! transcript rather than refusing to run.

use rustix::mm::{mlockall, MlockAllFlags};
use rustix::process::{set_dumpable_behavior, setrlimit, DumpableBehavior, Resource, Rlimit};
use serde::Serialize;

#[derive(Debug, Clone, Serialize)]
pub struct Hardening {
    pub core_dumps_off: Result<(), String>,
    pub not_dumpable: Result<(), String>,
    pub memory_locked: Result<(), String>,
}

impl Hardening {
    /// One line per step that failed, for the operator.
    pub fn failures(&self) -> Vec<String> {
        let mut out = Vec::new();
        if let Err(e) = &self.core_dumps_off {
            out.push(format!("could not turn core dumps off: {e}"));
        }
        if let Err(e) = &self.not_dumpable {
            out.push(format!("could not mark the process undumpable: {e}"));
        }
        if let Err(e) = &self.memory_locked {
            out.push(format!(
                "could not lock memory (secrets could be swapped out): {e}; run as root or raise `ulimit -l`"
            ));
        }
        out
    }
}

/// Hardens the current process; call once, first thing in `main`.
pub fn harden_process() -> Hardening {
    let text = |r: rustix::io::Result<()>| r.map_err(|e| e.to_string());
    Hardening {
        core_dumps_off: text(setrlimit(
            Resource::Core,
            Rlimit {
                current: Some(0),
                maximum: Some(0),
            },
        )),
        not_dumpable: text(set_dumpable_behavior(DumpableBehavior::NotDumpable)),
        memory_locked: text(mlockall(MlockAllFlags::CURRENT | MlockAllFlags::FUTURE)),
    }
}
