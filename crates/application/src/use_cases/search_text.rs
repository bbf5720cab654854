//! What a reader typed into the search box, made into [`SearchText`]: whitespace
//! collapsed, lower-cased (matching ignores case, so two spellings share one cache
//! entry and one line in the insights), and the last word split off as a prefix when
//! it is a plain word.

use crate::ports::{PrefixWord, SearchText};

/// Longer texts are refused: nobody types them, and each word costs the engine.
pub const MAX_TEXT_CHARS: usize = 256;

/// The web-search keyword for alternatives; never a prefix, never corrected.
const OR: &str = "or";

/// Words shorter than this are not corrected: too few trigrams to tell a typo.
const MIN_CORRECTED_CHARS: usize = 3;

/// The normalized text, `None` when nothing but whitespace was typed.
pub fn normalize(raw: &str) -> Option<SearchText> {
    let words: Vec<String> = raw.split_whitespace().map(str::to_lowercase).collect();
    let (last, head) = words.split_last()?;
    // Inside an open quote the last word belongs to a phrase; after `or` it is an
    // alternative, which a prefix (always required) would turn into a condition.
    let open_quote = words.iter().map(|w| w.matches('"').count()).sum::<usize>() % 2 == 1;
    let after_or = head.last().is_some_and(|word| word == OR);
    let prefix = (!open_quote && !after_or && last != OR)
        .then(|| PrefixWord::parse(last))
        .flatten();
    let terms = if prefix.is_some() {
        head.join(" ")
    } else {
        words.join(" ")
    };
    Some(SearchText { terms, prefix })
}

impl SearchText {
    /// The text as normalized, prefix included.
    pub fn full(&self) -> String {
        match &self.prefix {
            None => self.terms.clone(),
            Some(prefix) if self.terms.is_empty() => prefix.as_str().to_owned(),
            Some(prefix) => format!("{} {}", self.terms, prefix.as_str()),
        }
    }

    /// The words a correction may replace: plain words, not `or`, long enough.
    pub fn correctable_words(&self) -> Vec<String> {
        self.full()
            .split(' ')
            .filter(|word| is_correctable(word))
            .map(str::to_owned)
            .collect()
    }

    /// The text with each correctable word replaced by its counterpart in
    /// `corrections` (in the order of [`Self::correctable_words`]); `None` when that
    /// changes nothing.
    pub fn corrected(&self, corrections: &[Option<String>]) -> Option<String> {
        let mut corrections = corrections.iter();
        let full = self.full();
        let words: Vec<String> = full
            .split(' ')
            .map(|word| match is_correctable(word) {
                true => corrections
                    .next()
                    .and_then(Clone::clone)
                    .unwrap_or_else(|| word.to_owned()),
                false => word.to_owned(),
            })
            .collect();
        let suggestion = words.join(" ");
        (suggestion != full).then_some(suggestion)
    }
}

fn is_correctable(word: &str) -> bool {
    word != OR
        && word.chars().count() >= MIN_CORRECTED_CHARS
        && word.chars().all(char::is_alphanumeric)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn text(raw: &str) -> (String, Option<String>) {
        let text = normalize(raw).unwrap_or_else(|| panic!("{raw:?} is blank"));
        (text.terms, text.prefix.map(|p| p.as_str().to_owned()))
    }

    fn split(terms: &str, prefix: Option<&str>) -> (String, Option<String>) {
        (terms.to_owned(), prefix.map(str::to_owned))
    }

    #[test]
    fn blank_text_is_no_text() {
        assert_eq!(normalize(""), None);
        assert_eq!(normalize(" \t\n "), None);
    }

    #[test]
    fn the_last_plain_word_is_a_prefix() {
        assert_eq!(
            text("  Rust   ASYNC\tpro "),
            split("rust async", Some("pro"))
        );
        assert_eq!(text("drag"), split("", Some("drag")));
        assert_eq!(text("Ünïcode wörd"), split("ünïcode", Some("wörd")));
    }

    #[test]
    fn operators_phrases_and_odd_words_are_matched_as_typed() {
        assert_eq!(text("rust -go"), split("rust -go", None));
        assert_eq!(text("\"exact phrase\""), split("\"exact phrase\"", None));
        assert_eq!(text("\"open phrase"), split("\"open phrase", None));
        assert_eq!(text("rust or go"), split("rust or go", None));
        assert_eq!(text("rust or"), split("rust or", None));
        assert_eq!(text("c++"), split("c++", None));
        assert_eq!(text("a:*"), split("a:*", None));
        assert_eq!(text("snake_case"), split("snake_case", None));
    }

    #[test]
    fn corrections_replace_only_plain_words() {
        let text = normalize("how to train dragns -cats").unwrap();
        assert_eq!(text.correctable_words(), ["how", "train", "dragns"]);
        let corrected = text.corrected(&[None, Some("train".into()), Some("dragons".into())]);
        assert_eq!(corrected.as_deref(), Some("how to train dragons -cats"));
        assert_eq!(text.corrected(&[None, None, Some("dragns".into())]), None);
    }
}
