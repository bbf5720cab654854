//! `ts_headline`'s output, marked with private-use characters, as segments.

use folio_application::ports::{HighlightSegment, Highlighted};

use super::page::{MARK_END, MARK_START};

pub(super) fn parse(marked: &str) -> Highlighted {
    let mut segments = Vec::new();
    let mut rest = marked;
    while let Some(start) = rest.find(MARK_START) {
        let (before, from_mark) = rest.split_at(start);
        push(&mut segments, before, false);
        let inner = &from_mark[MARK_START.len_utf8()..];
        let (matched, after) = inner.split_once(MARK_END).unwrap_or((inner, ""));
        push(&mut segments, matched, true);
        rest = after;
    }
    push(&mut segments, rest, false);
    Highlighted(segments)
}

fn push(segments: &mut Vec<HighlightSegment>, text: &str, matched: bool) {
    if !text.is_empty() {
        segments.push(HighlightSegment {
            text: text.to_owned(),
            matched,
        });
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn segments(marked: &str) -> Vec<(String, bool)> {
        parse(marked)
            .0
            .into_iter()
            .map(|s| (s.text, s.matched))
            .collect()
    }

    #[test]
    fn marks_become_matched_segments() {
        let marked =
            format!("How to {MARK_START}train{MARK_END} your {MARK_START}dragon{MARK_END}");
        assert_eq!(
            segments(&marked),
            [
                ("How to ".to_owned(), false),
                ("train".to_owned(), true),
                (" your ".to_owned(), false),
                ("dragon".to_owned(), true),
            ]
        );
        assert_eq!(segments("plain"), [("plain".to_owned(), false)]);
        assert_eq!(
            segments(&format!("{MARK_START}open")),
            [("open".to_owned(), true)]
        );
        assert!(segments("").is_empty());
    }
}
