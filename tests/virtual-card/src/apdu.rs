//! APDU plumbing between vpcd and opcard: command chaining in, GET RESPONSE out.

use iso7816::command::FromSliceError;
use iso7816::{Command, Instruction, Status};

const BUFFER: usize = 7609;

pub struct VirtualCard<T: opcard::Client> {
    card: opcard::Card<T>,
    /// Chained command parts received so far.
    pending: Option<Command<BUFFER>>,
    /// Response data not yet fetched with GET RESPONSE.
    response: heapless::Vec<u8, BUFFER>,
    sent: usize,
}

impl<T: opcard::Client> VirtualCard<T> {
    pub fn new(card: opcard::Card<T>) -> Self {
        VirtualCard {
            card,
            pending: None,
            response: heapless::Vec::new(),
            sent: 0,
        }
    }

    fn next_chunk(&mut self, max: usize) -> (Vec<u8>, Status) {
        let rest = self.response.len() - self.sent;
        let n = max.min(rest);
        let data = self.response[self.sent..self.sent + n].to_vec();
        self.sent += n;
        let left = self.response.len() - self.sent;
        let status = if left == 0 {
            Status::Success
        } else {
            Status::MoreAvailable(u8::try_from(left).unwrap_or(u8::MAX))
        };
        (data, status)
    }

    fn handle(&mut self, apdu: &[u8]) -> (Vec<u8>, Status) {
        let command: Command<BUFFER> = match apdu.try_into() {
            Ok(c) => c,
            Err(FromSliceError::InvalidClass) => return (Vec::new(), Status::ClassNotSupported),
            Err(_) => return (Vec::new(), Status::WrongLength),
        };
        if command.instruction() == Instruction::GetResponse {
            return self.next_chunk(command.expected());
        }
        let last = command.class().chain().last_or_only();
        let full = match self.pending.take() {
            Some(mut first) => {
                if first.extend_from_command(&command).is_err() {
                    return (Vec::new(), Status::WrongLength);
                }
                first
            }
            None => command,
        };
        if !last {
            self.pending = Some(full);
            return (Vec::new(), Status::Success);
        }
        self.response.clear();
        self.sent = 0;
        if let Err(status) = self.card.handle(full.as_view(), &mut self.response) {
            return (Vec::new(), status);
        }
        self.next_chunk(full.expected())
    }
}

impl<T: opcard::Client> vpicc::VSmartCard for VirtualCard<T> {
    fn power_off(&mut self) {
        self.card.reset();
    }

    fn reset(&mut self) {
        self.card.reset();
    }

    fn execute(&mut self, apdu: &[u8]) -> Vec<u8> {
        let (mut data, status) = self.handle(apdu);
        let sw: [u8; 2] = status.into();
        data.extend_from_slice(&sw);
        data
    }
}
