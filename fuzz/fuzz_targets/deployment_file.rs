#![no_main]
libfuzzer_sys::fuzz_target!(|data: &[u8]| cgrid_fuzz::deployment_file(data));
