//! Every ink! contract built with `std` and without `ink-as-dependency` exports the same
//! `#[no_mangle]` metadata entry point (`__ink_generate_metadata`); linking five of them into
//! one fuzzer needs the linker to accept that (the symbol is never called here).
fn main() {
    println!("cargo:rustc-link-arg=-Wl,--allow-multiple-definition");
}
