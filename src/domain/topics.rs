//! Topic tags on a window ("career, rust"): normalising and matching them.

use super::error::{shown, DomainError};

pub const MAX_TOPICS: usize = 10;
pub const MAX_TOPIC_CHARS: usize = 40;

/// Splits on commas, collapses whitespace, drops empty and repeated items
/// (ignoring case) and keeps the user's spelling for display.
pub fn parse_topics(s: &str) -> Result<Vec<String>, DomainError> {
    let mut topics: Vec<String> = Vec::new();
    // Not ';': Slack escapes '&' as "&amp;" and a topic must survive that.
    for item in s.split([',', '，']) {
        let topic = item.split_whitespace().collect::<Vec<_>>().join(" ");
        if topic.is_empty()
            || topics
                .iter()
                .any(|t| t.to_lowercase() == topic.to_lowercase())
        {
            continue;
        }
        if topic.chars().count() > MAX_TOPIC_CHARS {
            return Err(DomainError::TopicTooLong(shown(&topic)));
        }
        topics.push(topic);
    }
    if topics.len() > MAX_TOPICS {
        return Err(DomainError::TooManyTopics(topics.len()));
    }
    Ok(topics)
}

/// Case-insensitive substring match, so `find rust` finds "Rust async".
pub fn topic_matches(topic: &str, query: &str) -> bool {
    let query = folded(query.trim());
    !query.is_empty() && folded(topic).contains(&query)
}

/// Lower case without accents, so `cafe` finds *café* and `Zurich` finds *Zürich*.
pub fn folded(text: &str) -> String {
    use unicode_normalization::char::is_combining_mark;
    use unicode_normalization::UnicodeNormalization;
    text.nfd()
        .filter(|c| !is_combining_mark(*c))
        .collect::<String>()
        .to_lowercase()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn matching_ignores_case_and_accents() {
        assert!(topic_matches("Café culture", "cafe"));
        assert!(topic_matches("cafe", "CAFÉ"));
        assert!(topic_matches("Rust", "ru"));
        assert!(!topic_matches("rust", " "));
        assert!(!topic_matches("career", "rust"));
    }

    #[test]
    fn splits_and_cleans() {
        assert_eq!(parse_topics("career, rust").unwrap(), ["career", "rust"]);
        assert_eq!(
            parse_topics("  system   design ,, Rust，rust, RUST ").unwrap(),
            ["system design", "Rust"]
        );
        assert_eq!(parse_topics("").unwrap(), Vec::<String>::new());
        assert_eq!(parse_topics(" , , ").unwrap(), Vec::<String>::new());
        assert_eq!(parse_topics("ünïcödé ✨").unwrap(), ["ünïcödé ✨"]);
        assert_eq!(
            parse_topics("q&amp;a, c&lt;d").unwrap(),
            ["q&amp;a", "c&lt;d"]
        );
    }

    #[test]
    fn enforces_limits() {
        let forty = "x".repeat(40);
        assert_eq!(parse_topics(&forty).unwrap(), [forty]);
        let long = "é".repeat(41);
        assert_eq!(
            parse_topics(&long),
            Err(DomainError::TopicTooLong(shown(&long)))
        );
        let ten: Vec<String> = (0..10).map(|i| format!("t{i}")).collect();
        assert_eq!(parse_topics(&ten.join(",")).unwrap(), ten);
        let eleven: Vec<String> = (0..11).map(|i| format!("t{i}")).collect();
        assert_eq!(
            parse_topics(&eleven.join(",")),
            Err(DomainError::TooManyTopics(11))
        );
    }

    #[test]
    fn matching() {
        assert!(topic_matches("Rust async", "rust"));
        assert!(topic_matches("Rust async", "ASYNC "));
        assert!(!topic_matches("Rust", "go"));
        assert!(!topic_matches("Rust", " "));
    }
}
