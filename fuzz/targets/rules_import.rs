//! AFL entry point; the checks are `sockscope_fuzz::rules_import`.

fn main() {
    afl::fuzz!(|data: &[u8]| sockscope_fuzz::rules_import(data));
}
