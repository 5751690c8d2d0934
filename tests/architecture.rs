//! Architecture rules for `src/`, checked by reading the sources as text.
//!
//! This target deliberately does not link the crate (no `use officehours::…`): it builds in
//! seconds and keeps working while modules are being moved around. The scanner is a small
//! lexer, not a parser: it blanks comments, literals and `#[cfg(test)]` items (unit tests may
//! import freely), then looks for `crate::…` paths and `fn` bodies in what is left.

use std::collections::{BTreeMap, BTreeSet, VecDeque};
use std::fs;
use std::ops::Range;
use std::path::{Path, PathBuf};
use std::sync::OnceLock;

/// What the adapters may import: the core's front door and leaf utilities, never its insides.
#[rustfmt::skip]
const ADAPTER_ALLOWED: &[&str] =
    &["app", "ports", "views", "domain", "secret", "clock", "metrics", "config", "telemetry"];
/// The modules that translate between the outside world and the core.
const ADAPTERS: &[&str] = &["slack", "shell"];
/// Who may name the Slack adapter: the adapter itself and the wiring.
const SLACK_USERS: &[&str] = &["slack", "main", "startup", "check", "keys"];
const MAX_FILE_LINES: usize = 600;
const MAX_FN_LINES: usize = 80;

/// One reference to another top-level module, with its evidence ready to print.
struct Ref {
    from: String,
    to: String,
    /// `from imports to: src/file.rs:line → crate::to::…`
    evidence: String,
}

/// A source file of non-test code: its path from the manifest (`src/views/replies.rs`), its
/// top-level module (`views`; `main` for the binary, `lib` for the crate root), its code.
struct Source {
    rel: String,
    top: String,
    /// Comments, literals and `#[cfg(test)]` items blanked; offsets match the file.
    code: Vec<char>,
    non_test_lines: usize,
}

struct Crate {
    sources: Vec<Source>,
    modules: BTreeSet<String>,
    refs: Vec<Ref>,
}

/// An item under `#[cfg(test)]`, and for a bodiless `mod name;` its name and `#[path]`,
/// because the file it pulls in is test code too.
struct TestItem(Range<usize>, Option<(String, Option<String>)>);

fn is_ident(c: char) -> bool {
    c.is_alphanumeric() || c == '_'
}

/// Blanking keeps newlines so that offsets and line numbers keep matching the file.
fn blank(chars: &mut [char]) {
    for c in chars.iter_mut().filter(|c| **c != '\n') {
        *c = ' ';
    }
}

fn line_of(code: &[char], pos: usize) -> usize {
    1 + code.iter().take(pos).filter(|c| **c == '\n').count()
}

fn find(code: &[char], from: usize, want: char) -> usize {
    let end = code.len();
    (from..end).find(|&i| code[i] == want).unwrap_or(end)
}

fn skip_ws(code: &[char], i: usize) -> usize {
    let rest = code.get(i..).unwrap_or_default();
    i + rest.iter().take_while(|c| c.is_whitespace()).count()
}

/// The whole word (identifier, keyword or number) starting at `i`, and the offset after it.
fn word_at(code: &[char], i: usize) -> Option<(String, usize)> {
    let len = code.get(i..)?.iter().take_while(|c| is_ident(**c)).count();
    (len > 0).then(|| (code[i..i + len].iter().collect(), i + len))
}

/// Every word in `code`, so that `r` inside `bar` or `fn` inside `often` never counts.
fn words(code: &[char]) -> impl Iterator<Item = (String, usize)> + '_ {
    (0..code.len())
        .filter(|&i| is_ident(code[i]) && (i == 0 || !is_ident(code[i - 1])))
        .filter_map(|i| word_at(code, i))
}

/// Matches `tokens` at `i`, whitespace allowed between them; returns the offset after them.
fn seq(code: &[char], mut i: usize, tokens: &[&str]) -> Option<usize> {
    for token in tokens {
        let want: Vec<char> = token.chars().collect();
        i = skip_ws(code, i);
        code[i..].starts_with(&want).then_some(())?;
        i += want.len();
    }
    Some(i)
}

/// Index of the bracket that closes the one at `open` (all of `()[]{}` count).
fn matching(code: &[char], open: usize) -> usize {
    let mut depth = 0i32;
    let closes = |i: &usize| {
        depth += match code[*i] {
            '(' | '[' | '{' => 1,
            ')' | ']' | '}' => -1,
            _ => 0,
        };
        depth == 0
    };
    (open..code.len()).find(closes).unwrap_or(code.len() - 1)
}

/// The offsets of the braces around the body of the item whose header starts at `from`, or
/// None when a `;` ends it first. Brackets count because `-> [u8; 4]` has a `;` in it.
fn body(code: &[char], from: usize) -> Option<(usize, usize)> {
    let mut depth = 0i32;
    for (i, c) in code.iter().enumerate().skip(from) {
        match c {
            '(' | '[' => depth += 1,
            ')' | ']' => depth -= 1,
            '{' if depth == 0 => return Some((i, matching(code, i))),
            ';' if depth == 0 => return None,
            _ => {}
        }
    }
    None
}

fn string_end(s: &[char], mut i: usize) -> usize {
    while i < s.len() && s[i] != '"' {
        i += if s[i] == '\\' { 2 } else { 1 };
    }
    (i + 1).min(s.len())
}

fn block_comment_end(s: &[char], mut i: usize) -> usize {
    let mut depth = 0;
    while i + 1 < s.len() {
        match (s[i], s[i + 1]) {
            ('/', '*') => (depth, i) = (depth + 1, i + 2),
            ('*', '/') => (depth, i) = (depth - 1, i + 2),
            _ => i += 1,
        }
        if depth == 0 {
            return i;
        }
    }
    s.len()
}

/// A `'` opens a char literal only as `'x'` or `'\…'`; otherwise it is a lifetime or label.
fn char_literal_end(s: &[char], i: usize) -> Option<usize> {
    match (s.get(i + 1), s.get(i + 2)) {
        (Some('\\'), _) => (i + 3..s.len()).find(|&j| s[j] == '\'').map(|j| j + 1),
        (Some(_), Some('\'')) => Some(i + 3),
        _ => None,
    }
}

/// After an `r`/`br` prefix at `i`: where `#…#"…"#…#` ends, if that is what follows.
fn raw_string_end(s: &[char], i: usize) -> Option<usize> {
    let hashes = s[i..].iter().take_while(|c| **c == '#').count();
    (s.get(i + hashes) == Some(&'"')).then_some(())?;
    let closes = |j: &usize| s[*j] == '"' && s[j + 1..].starts_with(&vec!['#'; hashes]);
    let close = (i + hashes + 1..s.len()).find(closes).unwrap_or(s.len());
    Some((close + 1 + hashes).min(s.len()))
}

/// Replaces comments and string and char literals with spaces.
fn strip(src: &str) -> Vec<char> {
    let s: Vec<char> = src.chars().collect();
    let mut out = s.clone();
    let mut i = 0;
    while i < s.len() {
        let (end, literal) = match (s[i], s.get(i + 1)) {
            ('/', Some('/')) => (find(&s, i, '\n'), true),
            ('/', Some('*')) => (block_comment_end(&s, i), true),
            ('"', _) => (string_end(&s, i + 1), true),
            // Blanking the `'` of a lifetime or label harms nothing.
            ('\'', _) => (char_literal_end(&s, i).unwrap_or(i + 1), true),
            // Whole words, so that a raw-string prefix is only ever a word of its own.
            (c, _) if is_ident(c) => {
                let (word, after) = word_at(&s, i).expect("starts with an ident char");
                let raw = ["r", "br", "cr"].contains(&word.as_str());
                let raw_end = raw_string_end(&s, after).filter(|_| raw);
                raw_end.map_or((after, false), |end| (end, true))
            }
            _ => (i + 1, false),
        };
        if literal {
            blank(&mut out[i..end]);
        }
        i = end;
    }
    out
}

/// Stripped code with every `#[cfg(test)]` item blanked too, and those items; `raw_text` is
/// read for `#[path = "…"]`, whose string is blanked in `code`.
fn prepare(raw_text: &str) -> (Vec<char>, Vec<TestItem>) {
    let (raw, mut code): (Vec<char>, _) = (raw_text.chars().collect(), strip(raw_text));
    let cfg_test = ["#", "[", "cfg", "(", "test", ")", "]"];
    let mut items = Vec::new();
    for i in 0..code.len() {
        let Some(mut j) = (code[i] == '#').then(|| seq(&code, i, &cfg_test)).flatten() else {
            continue;
        };
        let mut path_attr = None;
        while code.get(skip_ws(&code, j)) == Some(&'#') {
            let at = skip_ws(&code, j);
            j = matching(&code, at + 1) + 1;
            let attr: String = raw[at..j].iter().collect();
            if attr.contains("path") {
                path_attr = attr.split('"').nth(1).map(String::from);
            }
        }
        let end = match body(&code, j) {
            Some((_, close)) => close + 1,
            None => (find(&code, j, ';') + 1).min(code.len()),
        };
        // `mod name;`, whatever its visibility, loads a file.
        let header: Vec<String> = words(&code[j..end]).map(|(w, _)| w).collect();
        let loads = match header.as_slice() {
            [.., m, name] if m == "mod" && code[end - 1] == ';' => Some((name.clone(), path_attr)),
            _ => None,
        };
        // Blanked at once, so a `#[cfg(test)]` nested inside is not seen again.
        blank(&mut code[i..end]);
        items.push(TestItem(i..end, loads));
    }
    (code, items)
}

/// `a::b::C` from `i` on, as written minus whitespace; a trailing group shows as `::{…}`.
fn path_text(code: &[char], mut i: usize) -> String {
    let mut text = String::new();
    while let Some((word, end)) = word_at(code, i) {
        text.push_str(&word);
        match seq(code, end, &["::"]) {
            Some(next) if code.get(skip_ws(code, next)) == Some(&'{') => return text + "::{…}",
            Some(next) => (text.push_str("::"), i = skip_ws(code, next)),
            None => break,
        };
    }
    text
}

/// What follows `crate::` at `at`: one path, or each entry of a `{…}` group, as
/// (offset, first segment, path); nested groups belong to their entry.
fn entries(code: &[char], at: usize) -> Vec<(usize, String, String)> {
    let entry = |i: usize| word_at(code, i).map(|(name, _)| (i, name, path_text(code, i)));
    if code.get(at) != Some(&'{') {
        return entry(at).into_iter().collect();
    }
    let (mut out, mut depth, mut item_start) = (Vec::new(), 0, false);
    for (i, c) in code.iter().enumerate().skip(at) {
        match c {
            '{' => (depth, item_start) = (depth + 1, depth == 0),
            '}' if depth == 1 => break,
            '}' => depth -= 1,
            ',' if depth == 1 => item_start = true,
            c if item_start && !c.is_whitespace() => {
                item_start = false;
                out.extend(entry(i));
            }
            _ => {}
        }
    }
    out
}

/// Every `root::x…` in stripped code as (line, x, path); `crate::{a, b::{c}}` gives a and b.
fn crate_refs(code: &[char], roots: &[&str]) -> Vec<(usize, String, String)> {
    let mut refs = Vec::new();
    for (root, end) in words(code).filter(|(w, _)| roots.contains(&w.as_str())) {
        // Not a path: `pub(crate)`.
        let Some(after) = seq(code, end, &["::"]) else {
            continue;
        };
        for (pos, name, tail) in entries(code, skip_ws(code, after)) {
            refs.push((line_of(code, pos), name, format!("{root}::{tail}")));
        }
    }
    refs
}

/// (name, line of `fn`, lines up to and including the closing brace) of every `fn` with a body.
fn fn_spans(code: &[char]) -> Vec<(String, usize, usize)> {
    let keywords = words(code).filter(|(w, _)| w == "fn");
    // `fn(u8) -> u8` pointer types have no name; trait declarations have no body.
    let named = keywords.filter_map(|(_, end)| Some((word_at(code, skip_ws(code, end))?, end)));
    let span = |((name, after), end)| {
        let (_, close) = body(code, after)?;
        let first = line_of(code, end);
        Some((name, first, line_of(code, close) - first + 1))
    };
    named.filter_map(span).collect()
}

fn walk(dir: &Path, files: &mut Vec<PathBuf>) {
    for entry in fs::read_dir(dir).expect("read src/") {
        let path = entry.expect("dir entry").path();
        if path.is_dir() {
            walk(&path, files);
        } else if path.extension().is_some_and(|e| e == "rs") {
            files.push(path);
        }
    }
}

/// The file `mod name;` in `file` loads; a `#[path]` is relative to `file`'s directory.
fn loaded_file(file: &Path, (name, path_attr): &(String, Option<String>)) -> PathBuf {
    let dir = file.parent().expect("file in a directory");
    let stem = file.file_stem().expect("file name").to_string_lossy();
    let mod_dir = match stem.as_ref() {
        "mod" | "lib" | "main" => dir.to_path_buf(),
        _ => dir.join(stem.as_ref()),
    };
    let flat = mod_dir.join(format!("{name}.rs"));
    match path_attr {
        Some(path) => dir.join(path),
        None if flat.exists() => flat,
        None => mod_dir.join(name).join("mod.rs"),
    }
}

fn load() -> Crate {
    let src = Path::new(env!("CARGO_MANIFEST_DIR")).join("src");
    let mut files = Vec::new();
    walk(&src, &mut files);
    files.sort();
    let (mut test_files, mut sources) = (BTreeSet::new(), Vec::new());
    for path in files {
        let raw = fs::read_to_string(&path).expect("read source file");
        let (code, items) = prepare(&raw);
        let mut test_lines = 0;
        for TestItem(span, loads) in &items {
            test_lines += line_of(&code, span.end - 1) - line_of(&code, span.start) + 1;
            test_files.extend(loads.iter().map(|loads| loaded_file(&path, loads)));
        }
        let under_src = path.strip_prefix(&src).expect("under src/");
        let first = under_src.iter().next().expect("non-empty");
        let top = first.to_string_lossy().trim_end_matches(".rs").to_string();
        let rel = format!("src/{}", under_src.display());
        let non_test_lines = raw.lines().count().saturating_sub(test_lines);
        let source = Source {
            rel,
            top,
            code,
            non_test_lines,
        };
        sources.push((path, source));
    }
    // Which files are test code is known only once every file has been read.
    sources.retain(|(path, _)| !test_files.contains(path));
    sources.retain(|(path, _)| !path.to_string_lossy().ends_with("_tests.rs"));
    let sources: Vec<Source> = sources.into_iter().map(|(_, source)| source).collect();
    let tops = sources.iter().map(|s| s.top.clone());
    let modules: BTreeSet<String> = tops.filter(|t| t != "lib" && t != "main").collect();
    let mut refs = Vec::new();
    // `lib.rs` only declares the modules. The binary names the library `officehours`, which no
    // path inside the library can, so both roots are looked for everywhere.
    for source in sources.iter().filter(|s| s.top != "lib") {
        for (line, to, path) in crate_refs(&source.code, &["crate", "officehours"]) {
            if modules.contains(&to) && to != source.top {
                let (from, file) = (source.top.clone(), &source.rel);
                let evidence = format!("{from} imports {to}: {file}:{line} → {path}");
                refs.push(Ref { from, to, evidence });
            }
        }
    }
    Crate {
        sources,
        modules,
        refs,
    }
}

fn krate() -> &'static Crate {
    static CRATE: OnceLock<Crate> = OnceLock::new();
    CRATE.get_or_init(load)
}

fn assert_none(rule: &str, offences: Vec<String>) {
    let (count, list) = (offences.len(), offences.join("\n  "));
    let message = format!("\n{rule}\n{count} offence(s):\n  {list}\n");
    assert!(offences.is_empty(), "{message}");
}

/// Fails listing every reference from `from` to a module outside `allowed`.
fn assert_only(from: &[&str], allowed: &[&str]) {
    let outside = |r: &&Ref| from.contains(&r.from.as_str()) && !allowed.contains(&r.to.as_str());
    let refs = &krate().refs;
    let offences = refs.iter().filter(outside).map(|r| r.evidence.clone());
    let rule = format!("{from:?} may import only {allowed:?} of the crate");
    assert_none(&rule, offences.collect());
}

type Graph<'a> = BTreeMap<&'a str, BTreeMap<&'a str, &'a Ref>>;

/// Breadth-first from `from`: each module reached, with the module it was first reached from,
/// so walking back gives a shortest path. `from` is among them only if it is on a cycle.
fn bfs<'a>(graph: &Graph<'a>, from: &'a str) -> BTreeMap<&'a str, &'a str> {
    let (mut parent, mut queue) = (BTreeMap::new(), VecDeque::from([from]));
    while let Some(node) = queue.pop_front() {
        for &next in graph.get(node).into_iter().flat_map(|edges| edges.keys()) {
            if !parent.contains_key(next) {
                parent.insert(next, node);
                queue.push_back(next);
            }
        }
    }
    parent
}

/// A strongly connected component: its members, a shortest cycle through the first of them
/// with evidence for each edge, then every edge inside it, since each of those is on a cycle.
fn describe_component(graph: &Graph, component: &BTreeSet<&str>) -> String {
    let members: Vec<&str> = component.iter().copied().collect();
    let (start, parent) = (members[0], bfs(graph, members[0]));
    let mut cycle = vec![start, parent[start]];
    while cycle[cycle.len() - 1] != start {
        cycle.push(parent[cycle[cycle.len() - 1]]);
    }
    cycle.reverse();
    let mut text = format!("modules in a cycle: {{{}}}", members.join(", "));
    text += &format!("\n    cycle: {}", cycle.join(" → "));
    for pair in cycle.windows(2) {
        text += &format!("\n      {}", graph[pair[0]][pair[1]].evidence);
    }
    let mut inside = Vec::new();
    for &from in &members {
        let targets = graph[from].keys().filter(|to| component.contains(*to));
        inside.extend(targets.map(|to| format!("{from} → {to}")));
    }
    text + &format!("\n    all edges inside it: {}", inside.join(", "))
}

#[test]
fn rule_1_no_cycle_between_top_level_modules() {
    let mut graph: Graph = BTreeMap::new();
    for r in &krate().refs {
        let edges = graph.entry(r.from.as_str()).or_default();
        edges.entry(r.to.as_str()).or_insert(r);
    }
    let (mut placed, mut report) = (BTreeSet::new(), Vec::new());
    for &node in graph.keys() {
        let comes_back = |m: &&str| bfs(&graph, m).contains_key(node);
        let component: BTreeSet<&str> = bfs(&graph, node).into_keys().filter(comes_back).collect();
        if component.contains(node) && !placed.contains(node) {
            placed.extend(component.iter().copied());
            report.push(describe_component(&graph, &component));
        }
    }
    let rule = "top-level modules must not import each other in a cycle";
    assert_none(rule, report);
}

#[test]
fn rule_2_domain_imports_nothing_of_the_crate() {
    assert_only(&["domain"], &[]);
}

#[test]
fn rule_3_store_imports_only_domain() {
    assert_only(&["store"], &["domain"]);
}

#[test]
fn rule_4_views_imports_only_domain() {
    assert_only(&["views"], &["domain"]);
}

#[test]
fn rule_5_only_the_adapter_and_the_wiring_name_slack() {
    let named = |r: &&Ref| r.to == "slack" && !SLACK_USERS.contains(&r.from.as_str());
    let refs = &krate().refs;
    let offences = refs.iter().filter(named).map(|r| r.evidence.clone());
    let rule = format!("only {SLACK_USERS:?} may reference `crate::slack`");
    assert_none(&rule, offences.collect());
}

#[test]
fn rule_6_adapters_enter_the_core_by_the_front_door() {
    assert_only(ADAPTERS, ADAPTER_ALLOWED);
}

#[test]
fn rule_7_ports_imports_only_domain_views_secret() {
    assert_only(&["ports"], &["domain", "views", "secret"]);
}

#[test]
fn rule_8a_files_stay_small() {
    let big = |s: &&Source| s.non_test_lines > MAX_FILE_LINES;
    let describe = |s: &Source| format!("{}: {} lines of non-test code", s.rel, s.non_test_lines);
    let offences = krate().sources.iter().filter(big).map(describe);
    let rule = format!("no file under src/ has more than {MAX_FILE_LINES} lines of non-test code");
    assert_none(&rule, offences.collect());
}

#[test]
fn rule_8b_functions_stay_short() {
    let mut offences = Vec::new();
    for source in &krate().sources {
        for (name, line, len) in fn_spans(&source.code) {
            if len > MAX_FN_LINES {
                offences.push(format!("{}:{line}: fn {name} is {len} lines", source.rel));
            }
        }
    }
    let rule = format!("no fn in non-test code is longer than {MAX_FN_LINES} lines");
    assert_none(&rule, offences);
}

/// The name in a `mod x;` / `pub mod x;` / `pub(crate) mod x;` line.
fn declared_mod(line: &str) -> Option<&str> {
    let visibility = ["pub(crate) ", "pub ", ""];
    let rest = visibility
        .iter()
        .find_map(|v| line.trim().strip_prefix(v))?;
    rest.strip_prefix("mod ")?.strip_suffix(';').map(str::trim)
}

#[test]
fn rule_9_every_module_has_a_doc_line_in_lib_rs() {
    let lib_rs = fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/src/lib.rs"));
    let lib_rs = lib_rs.expect("read src/lib.rs");
    let lines: Vec<&str> = lib_rs.lines().collect();
    let (mut declared, mut offences) = (BTreeSet::new(), Vec::new());
    let numbered = lines.iter().enumerate();
    for (n, name) in numbered.filter_map(|(n, l)| Some((n, declared_mod(l)?))) {
        declared.insert(name);
        // Attributes such as `#[doc(hidden)]` may sit between the doc line and the `mod`.
        let mut above = lines[..n].iter().rev().map(|l| l.trim());
        let doc = above.find(|l| !l.starts_with("#[")).unwrap_or_default();
        let text = doc.strip_prefix("///").map(str::trim);
        if text.is_none_or(str::is_empty) {
            let place = format!("src/lib.rs:{}", n + 1);
            offences.push(format!("{place}: `mod {name};` lacks a `///` line"));
        }
    }
    let undeclared = |m: &&String| !declared.contains(m.as_str());
    for module in krate().modules.iter().filter(undeclared) {
        offences.push(format!("src/{module}: not declared in src/lib.rs"));
    }
    let rule = "every top-level module is declared in src/lib.rs right under a `/// …` line";
    assert_none(rule, offences);
}

const SNIPPET: &str = r##"use crate::{domain::{a, b},
    views, store
    ::reminders::Due};
// crate::slack::post in a comment, /// and //! too
/* crate::slack /* nested */ crate::nudges */
fn brace_char<'a>(x: &'a str) -> char {
    let s = "crate::store::x { \" }";
    let r = r#"crate::commands " { "#;
    let (c, q, b) = ('{', '\'', b'"');
    crate::metrics::render(s, r, x, q, b);
    c
}
pub(crate) trait T { fn decl(&self) -> [u8; 2]; }
fn two() -> fn(u8) -> u8 { |_| 0 }
#[cfg(test)]
#[path = "x_tests.rs"]
mod tests;
#[cfg(test)]
mod more { use crate::slack; #[cfg(test)] fn long() {} }
"##;

#[test]
fn scanner_reads_imports_and_function_lengths() {
    let (code, items) = prepare(SNIPPET);
    // Blanking must keep offsets, or every reported line number would drift.
    assert_eq!(code.len(), SNIPPET.chars().count());
    let show = |(l, m, p): &(usize, String, String)| format!("{l} {m} {p}");
    let refs: Vec<String> = crate_refs(&code, &["crate"]).iter().map(show).collect();
    let expected = [
        "1 domain crate::domain::{…}",
        "2 views crate::views",
        "2 store crate::store::reminders::Due",
        "10 metrics crate::metrics::render",
    ];
    assert_eq!(refs, expected);
    let show = |(name, line, len): &(String, usize, usize)| format!("{name} {line} {len}");
    let spans: Vec<String> = fn_spans(&code).iter().map(show).collect();
    assert_eq!(spans, ["brace_char 6 7", "two 14 1"]);
    let loads: Vec<_> = items.into_iter().map(|item| item.1).collect();
    let tests_rs = Some(("tests".into(), Some("x_tests.rs".into())));
    assert_eq!(loads, [tests_rs, None]);
    let binary = crate_refs(&strip("use officehours::{check, shell};"), &["officehours"]);
    let names: Vec<&str> = binary.iter().map(|(_, m, _)| m.as_str()).collect();
    assert_eq!(names, ["check", "shell"]);
}
