#![no_main]

libfuzzer_sys::fuzz_target!(|data: &[u8]| officehours::slack::fuzz::signature(data));
