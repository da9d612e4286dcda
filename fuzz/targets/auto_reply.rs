//! AFL entry point; the checks are `sockscope_fuzz::auto_reply`.

fn main() {
    afl::fuzz!(|data: &[u8]| sockscope_fuzz::auto_reply(data));
}
