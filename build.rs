//! Rebuilds the crate when a strings file changes: rust-i18n reads `locales/` inside its
//! `i18n!` macro, where cargo cannot see it.

fn main() {
    println!("cargo:rerun-if-changed=locales");
}
