//! A ceremony stopped by a signal (SIGINT, SIGTERM, SIGHUP) stops at a safe
//! point, never between a write and its read-back.
//!
//! The default action of those signals ends the process wherever it is: a
//! share sheet written and the next not, a `.partial` file left, no
//! `ceremony.failed` in the transcript, nothing said. So while a ceremony
//! writes (`arm`), a signal only sets a flag; `Bundle::write` checks it
//! before each file and refuses with `MediaError::Interrupted`, which the
//! ceremony's failure path records and marks like any other failure. A
//! second signal of the same kind ends the process at once (the operator
//! who presses Ctrl-C twice means it).

use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::{Arc, OnceLock};

use signal_hook::consts::{SIGHUP, SIGINT, SIGTERM};

struct Flags {
    asked: Arc<AtomicBool>,
    which: Arc<AtomicUsize>,
}

fn flags() -> &'static Flags {
    static F: OnceLock<Flags> = OnceLock::new();
    F.get_or_init(|| Flags {
        asked: Arc::new(AtomicBool::new(false)),
        which: Arc::new(AtomicUsize::new(0)),
    })
}

/// The signal that asked the ceremony to stop, if one did (its name).
pub fn requested() -> Option<&'static str> {
    let f = flags();
    if !f.asked.load(Ordering::SeqCst) {
        return None;
    }
    Some(match f.which.load(Ordering::SeqCst) as i32 {
        SIGTERM => "SIGTERM",
        SIGHUP => "SIGHUP",
        _ => "SIGINT",
    })
}

/// While this lives, SIGINT, SIGTERM and SIGHUP ask the ceremony to stop
/// at its next safe point instead of ending the process.
pub struct Armed(Vec<signal_hook::SigId>);

/// Arms the handlers (see the module doc). Fails only if the operating
/// system refuses a handler; the ceremony then runs as before.
pub fn arm() -> Armed {
    let f = flags();
    let mut ids = Vec::new();
    for sig in [SIGINT, SIGTERM, SIGHUP] {
        // A second signal, with the flag already set, takes the default action.
        if let Ok(id) = signal_hook::flag::register_conditional_default(sig, f.asked.clone()) {
            ids.push(id);
        }
        if let Ok(id) = signal_hook::flag::register_usize(sig, f.which.clone(), sig as usize) {
            ids.push(id);
        }
        if let Ok(id) = signal_hook::flag::register(sig, f.asked.clone()) {
            ids.push(id);
        }
    }
    Armed(ids)
}

impl Drop for Armed {
    fn drop(&mut self) {
        for id in self.0.drain(..) {
            signal_hook::low_level::unregister(id);
        }
    }
}
