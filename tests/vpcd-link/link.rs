//! The link from a virtual card to vpcd's reader slot, shared by the virtual
//! OpenPGP card and the virtual PIV card (each includes this file).
//!
//! vpcd writes every message as two `send`s (the 2-byte length, then the
//! APDU). With Nagle's algorithm on vpcd's socket the APDU waits for the
//! length's ACK, which Linux delays by about 40 ms: every APDU cost 42 ms of
//! idle time, and the card tests were 93% idle (measured with `perf` and
//! `strace`; a physical card over USB has no such wait). The card cannot
//! change vpcd's socket, so it acknowledges at once instead: TCP_QUICKACK,
//! which the kernel drops again each time the card answers, armed before
//! every read.

use std::io::{Read, Write};
use std::net::TcpStream;
use std::os::fd::AsRawFd;
use std::time::Duration;

/// Connects to vpcd's slot on `port` (waiting up to 20 s for pcscd to load
/// vpcd), says so on stdout (the tests wait for that line), and answers vpcd
/// until it hangs up.
pub fn insert<C: vpicc::VSmartCard>(port: u16, who: &str, card: &mut C) {
    let mut tries = 0;
    let stream = loop {
        match TcpStream::connect(("127.0.0.1", port)) {
            Ok(s) => break s,
            Err(e) if tries >= 200 => {
                eprintln!("{who}: no vpcd on port {port}: {e}");
                std::process::exit(1);
            }
            Err(_) => {
                tries += 1;
                std::thread::sleep(Duration::from_millis(100));
            }
        }
    };
    println!("{who}: inserted in the vpcd slot on port {port}");
    let _ = serve(stream, card);
}

/// vpcd's protocol (what `vpicc::Connection::run` does), with quick
/// acknowledgement armed after each answer is sent: sending re-enters the
/// kernel's interactive mode, which delays ACKs again.
fn serve<C: vpicc::VSmartCard>(mut stream: TcpStream, card: &mut C) -> std::io::Result<()> {
    loop {
        quick_ack(&stream);
        let mut size = [0u8; 2];
        stream.read_exact(&mut size)?;
        let mut msg = vec![0u8; usize::from(u16::from_be_bytes(size))];
        stream.read_exact(&mut msg)?;
        let answer = match msg.as_slice() {
            [] => return Ok(()),
            [0] => {
                card.power_off();
                continue;
            }
            [1] => {
                card.power_on();
                continue;
            }
            [2] => {
                card.reset();
                continue;
            }
            [4] => card.atr().to_vec(),
            [_] => return Ok(()),
            apdu => card.execute(apdu),
        };
        let len = u16::try_from(answer.len()).unwrap_or(u16::MAX);
        stream.write_all(&[&len.to_be_bytes()[..], &answer].concat())?;
    }
}

/// Asks the kernel to acknowledge the next segment at once. Best effort: a
/// kernel without it only makes the card slower.
fn quick_ack(stream: &TcpStream) {
    let on: libc::c_int = 1;
    // SAFETY: a valid socket descriptor and a c_int option of its size.
    let _ = unsafe {
        libc::setsockopt(
            stream.as_raw_fd(),
            libc::IPPROTO_TCP,
            libc::TCP_QUICKACK,
            (&on as *const libc::c_int).cast(),
            std::mem::size_of::<libc::c_int>() as libc::socklen_t,
        )
    };
}
