#![no_main]

libfuzzer_sys::fuzz_target!(|data: &[u8]| officehours::fuzz::signature(data));
