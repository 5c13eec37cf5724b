#![no_main]
libfuzzer_sys::fuzz_target!(|data: &[u8]| cgrid_fuzz::offer_file(data));
