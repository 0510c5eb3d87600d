//! Standard output for data. `keyceremony shares show FILE | head -1` closes
//! the pipe before we are done; Rust's `println!` then panics (exit 101 with
//! a backtrace). As ripgrep does, a reader that went away ends the program
//! quietly with success: the rest of the output was not wanted. Output is
//! printed only after a command's work is done, so nothing is cut short.

use std::io::Write;

/// Writes to stdout; a closed pipe exits 0, any other failure exits 4.
pub(crate) fn write(args: std::fmt::Arguments<'_>) {
    let mut out = std::io::stdout().lock();
    if let Err(e) = out.write_fmt(args).and_then(|()| out.flush()) {
        if e.kind() == std::io::ErrorKind::BrokenPipe {
            std::process::exit(0);
        }
        eprintln!("cannot write to standard output: {e}; free space or choose another destination");
        std::process::exit(super::Exit::Media as i32);
    }
}

/// `println!` for data on stdout (see the module doc).
macro_rules! outln {
    () => { $crate::commands::out::write(format_args!("\n")) };
    ($($arg:tt)*) => { $crate::commands::out::write(format_args!("{}\n", format_args!($($arg)*))) };
}

/// `print!` for data on stdout (see the module doc).
macro_rules! out {
    ($($arg:tt)*) => { $crate::commands::out::write(format_args!($($arg)*)) };
}
