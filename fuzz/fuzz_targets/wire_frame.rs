#![no_main]
libfuzzer_sys::fuzz_target!(|data: &[u8]| cgrid_fuzz::wire_frame(data));
