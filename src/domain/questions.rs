//! The words the nudges carry: the 1:1 question bank and its rotation, and
//! the debrief and review prompts.

/// Big-picture questions, one per 1:1 reminder. Addressed to the report; the
/// manager sees the same words and can ask them aloud.
pub const ONE_ON_ONE_QUESTIONS: &[&str] = &[
    "What do you like most about your work right now?",
    "What do you wish you could learn more about?",
    "Where do you see yourself in 5 or 10 years?",
    "What got in your way since we last talked?",
    "What help would you like, from me or from anyone else?",
    "Which part of your work gives you energy, and which part drains it?",
    "Is there a skill you'd like to practise on a real project?",
    "What's something you're proud of that I might not know about?",
    "Who in the company would you like to work with or learn from?",
    "If you could change one thing about how our team works, what would it be?",
];

/// Sent to everyone in a project debrief's group DM.
pub const DEBRIEF_PROMPTS: &[&str] = &[
    "What went well?",
    "What would we do differently next time?",
    "What's one thing each of you learned?",
    "Who or what helped that deserves a thank-you?",
];

/// Sent to a manager before a report's review, to prepare the advancement talk.
pub const REVIEW_PROMPTS: &[&str] = &[
    "Would a lateral move toward other kinds of projects help them grow?",
    "Is there a certification or class that would be worth their time?",
    "Which new challenges inside the company could stretch them?",
    "What do they want next, in their own words? Ask them if you don't know yet.",
];

/// The question for a pair's nth 1:1 (n counts from 0). The bank is walked in
/// order from a pair-specific offset, so consecutive n never give the same
/// question and every question comes round once per cycle. The pair is
/// unordered: (manager, report) and (report, manager) get the same questions.
pub fn question_for(pair: (&str, &str), n: u32) -> &'static str {
    let len = ONE_ON_ONE_QUESTIONS.len() as u64;
    let offset = pair_hash(pair) % len;
    // u64 arithmetic: offset + n can't overflow, and the sum stays exact.
    let index = (offset + u64::from(n)) % len;
    // `index < len`, so the lookup always succeeds; the fallback only keeps
    // the function total.
    ONE_ON_ONE_QUESTIONS
        .get(index as usize)
        .copied()
        .unwrap_or(ONE_ON_ONE_QUESTIONS[0])
}

/// FNV-1a over the two ids in sorted order. It must be stable across runs and
/// releases (the offset picks what people see), which std's randomised
/// `DefaultHasher` is not.
fn pair_hash((a, b): (&str, &str)) -> u64 {
    let (first, second) = if a <= b { (a, b) } else { (b, a) };
    // 0xFF never occurs in UTF-8, so ("ab", "c") and ("a", "bc") differ.
    let bytes = first
        .bytes()
        .chain(std::iter::once(0xFF))
        .chain(second.bytes());
    fnv1a(bytes)
}

fn fnv1a(bytes: impl Iterator<Item = u8>) -> u64 {
    const OFFSET_BASIS: u64 = 0xcbf2_9ce4_8422_2325;
    const PRIME: u64 = 0x0000_0100_0000_01b3;
    bytes.fold(OFFSET_BASIS, |hash, b| {
        (hash ^ u64::from(b)).wrapping_mul(PRIME)
    })
}

#[cfg(test)]
mod tests {
    use std::collections::HashSet;

    use super::*;

    #[test]
    fn banks_cover_what_the_issue_asks_for() {
        assert!(ONE_ON_ONE_QUESTIONS.len() >= 8);
        let bank = ONE_ON_ONE_QUESTIONS.join("\n").to_lowercase();
        for must in [
            "like most about your work",
            "wish you could learn more",
            "5 or 10 years",
            "got in your way",
            "help would you like",
        ] {
            assert!(bank.contains(must), "{must}");
        }
        let debrief = DEBRIEF_PROMPTS.join("\n").to_lowercase();
        for must in [
            "went well",
            "differently next time",
            "one thing each of you learned",
        ] {
            assert!(debrief.contains(must), "{must}");
        }
        let review = REVIEW_PROMPTS.join("\n").to_lowercase();
        for must in [
            "lateral move",
            "certification or class",
            "new challenges inside the company",
            "want next",
        ] {
            assert!(review.contains(must), "{must}");
        }
        for bank in [ONE_ON_ONE_QUESTIONS, DEBRIEF_PROMPTS, REVIEW_PROMPTS] {
            let unique: HashSet<_> = bank.iter().collect();
            assert_eq!(unique.len(), bank.len());
            assert!(bank.iter().all(|q| q.ends_with('?') || q.ends_with('.')));
        }
    }

    #[test]
    fn fnv1a_matches_reference_values() {
        // Published FNV-1a 64-bit test vectors.
        assert_eq!(fnv1a("".bytes()), 0xcbf2_9ce4_8422_2325);
        assert_eq!(fnv1a("a".bytes()), 0xaf63_dc4c_8601_ec8c);
        assert_eq!(fnv1a("foobar".bytes()), 0x8594_4171_f739_67e8);
    }

    #[test]
    fn consecutive_meetings_never_repeat_for_many_pairs() {
        for i in 0..500 {
            let manager = format!("U{:08X}", i * 7919);
            let report = format!("W{i}");
            let pair = (manager.as_str(), report.as_str());
            let mut previous = question_for(pair, 0);
            for n in 1..40 {
                let q = question_for(pair, n);
                assert_ne!(q, previous, "{pair:?} n={n}");
                previous = q;
            }
            // A full cycle shows every question once.
            let cycle: HashSet<_> = (0..ONE_ON_ONE_QUESTIONS.len() as u32)
                .map(|n| question_for(pair, n))
                .collect();
            assert_eq!(cycle.len(), ONE_ON_ONE_QUESTIONS.len());
        }
        let far = question_for(("a", "b"), u32::MAX);
        assert_ne!(far, question_for(("a", "b"), u32::MAX - 1));
    }

    #[test]
    fn pairs_spread_across_the_bank_and_are_stable() {
        let firsts: HashSet<_> = (0..200)
            .map(|i| question_for(("U0MANAGER", &format!("U{i}")), 0))
            .collect();
        assert!(
            firsts.len() >= ONE_ON_ONE_QUESTIONS.len() - 1,
            "{}",
            firsts.len()
        );
        assert_eq!(question_for(("a", "b"), 3), question_for(("b", "a"), 3));
        assert_eq!(question_for(("", ""), 0), question_for(("", ""), 0));
        // Pinned so a change to the hash (which would reshuffle everyone's
        // questions mid-cadence) shows up in review.
        assert_eq!(pair_hash(("U1", "U2")), 0x9461_a8d6_6117_18a3);
        assert_eq!(pair_hash(("U2", "U1")), pair_hash(("U1", "U2")));
    }
}
