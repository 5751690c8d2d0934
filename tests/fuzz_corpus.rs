//! Replays the fuzzers' committed corpus (`fuzz/corpus/<target>/`) and the crash reproducers
//! (`fuzz/regressions/<target>/`) through the same `officehours::fuzz` checks on stable Rust,
//! then runs a short, fixed-seed mutation of the corpus so CI looks a little past it.

use std::panic::{catch_unwind, AssertUnwindSafe};
use std::path::{Path, PathBuf};

use officehours::fuzz;

/// Mutated inputs per target; `FUZZ_SMOKE_RUNS=200000 cargo test --test fuzz_corpus` tries harder.
const SMOKE_RUNS: usize = 7_000;

fn fuzz_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("fuzz")
}

/// Every file in `dir`, sorted by name.
fn files(dir: &Path) -> Vec<(PathBuf, Vec<u8>)> {
    let Ok(entries) = std::fs::read_dir(dir) else {
        return Vec::new();
    };
    let mut paths: Vec<PathBuf> = entries
        .map(|e| e.expect("readable directory entry").path())
        .filter(|p| p.is_file())
        .collect();
    paths.sort();
    paths
        .into_iter()
        .map(|p| {
            let bytes = std::fs::read(&p).unwrap_or_else(|e| panic!("{}: {e}", p.display()));
            (p, bytes)
        })
        .collect()
}

/// The corpus of `target`, which must be there: an empty replay would pass without testing.
fn corpus(target: &str) -> Vec<(PathBuf, Vec<u8>)> {
    let dir = fuzz_dir().join("corpus").join(target);
    let inputs = files(&dir);
    assert!(
        !inputs.is_empty(),
        "{} is missing or empty; the replay would test nothing",
        dir.display()
    );
    inputs
}

fn run(check: fn(&[u8]), what: &str, input: &[u8]) {
    if catch_unwind(AssertUnwindSafe(|| check(input))).is_err() {
        panic!("{what} fails (input {:?})", String::from_utf8_lossy(input));
    }
}

fn replay(target: &str, check: fn(&[u8])) {
    let mut inputs = corpus(target);
    inputs.extend(files(&fuzz_dir().join("regressions").join(target)));
    for (path, bytes) in &inputs {
        run(check, &path.display().to_string(), bytes);
    }
}

#[test]
fn command_parser_corpus_replays() {
    replay("command_parser", fuzz::command_parser);
}

#[test]
fn signature_corpus_replays() {
    replay("signature", officehours::slack::fuzz::signature);
}

#[test]
fn time_parser_corpus_replays() {
    replay("time_parser", fuzz::time_parser);
}

/// xorshift64: the same inputs on every run and machine, so a failure reproduces.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        self.0
    }

    fn below(&mut self, n: usize) -> usize {
        (self.next() % n.max(1) as u64) as usize
    }
}

/// Bytes the grammars care about, so mutations hit separators rather than only noise.
const INTERESTING: &[u8] = b" ,-.:@<>|\"'0129apmAPM\t\n\xe2\x80\x93\xff\x00";

fn mutate(rng: &mut Rng, input: &[u8], corpus: &[(PathBuf, Vec<u8>)]) -> Vec<u8> {
    let mut out = input.to_vec();
    for _ in 0..=rng.below(4) {
        let at = rng.below(out.len() + 1);
        match rng.below(6) {
            0 if at < out.len() => out[at] = rng.next() as u8,
            1 if at < out.len() => out[at] = INTERESTING[rng.below(INTERESTING.len())],
            2 => out.insert(at, INTERESTING[rng.below(INTERESTING.len())]),
            3 if at < out.len() => {
                let end = (at + 1 + rng.below(8)).min(out.len());
                out.drain(at..end);
            }
            4 => {
                // Splice in a piece of another corpus entry.
                let other = &corpus[rng.below(corpus.len())].1;
                let from = rng.below(other.len());
                let to = (from + 1 + rng.below(16)).min(other.len());
                out.splice(at..at, other[from..to].iter().copied());
            }
            _ => {
                let at = rng.below(out.len());
                let len = rng.below(out.len() - at + 1).min(32);
                let copy = out[at..at + len].to_vec();
                out.splice(at..at, copy);
            }
        }
    }
    out
}

fn smoke(target: &str, check: fn(&[u8]), seed: u64) {
    let runs = std::env::var("FUZZ_SMOKE_RUNS")
        .ok()
        .and_then(|n| n.parse().ok())
        .unwrap_or(SMOKE_RUNS);
    let inputs = corpus(target);
    let mut rng = Rng(seed);
    for i in 0..runs {
        let base = &inputs[rng.below(inputs.len())];
        let input = mutate(&mut rng, &base.1, &inputs);
        run(
            check,
            &format!("{target} mutation {i} of {}", base.0.display()),
            &input,
        );
    }
}

#[test]
fn command_parser_survives_mutated_corpus() {
    smoke(
        "command_parser",
        fuzz::command_parser,
        0x9e37_79b9_7f4a_7c15,
    );
}

#[test]
fn signature_survives_mutated_corpus() {
    smoke(
        "signature",
        officehours::slack::fuzz::signature,
        0xd1b5_4a32_d192_ed03,
    );
}

#[test]
fn time_parser_survives_mutated_corpus() {
    smoke("time_parser", fuzz::time_parser, 0x2545_f491_4f6c_dd1d);
}
