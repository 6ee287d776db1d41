//! JSONata's `/pattern/flags` regular expressions (flags `i` and `m`), on the `regex`
//! crate, whose matching time is linear in the text whatever the pattern. Positions are
//! in chars, as the string functions count them. JavaScript's lookaround and
//! back-references, which `regex` does not have, are reported as invalid patterns.

use crate::jsonata::Error;

/// The most memory a compiled pattern may take.
const MAX_COMPILED_BYTES: usize = 1 << 20;

/// A compiled regex.
#[derive(Debug)]
pub(crate) struct Regex {
    inner: regex::Regex,
}

impl PartialEq for Regex {
    fn eq(&self, other: &Self) -> bool {
        self.inner.as_str() == other.inner.as_str()
    }
}

/// A match: its char range and each group's (`None` when the group took no part).
pub(crate) type Found = ((usize, usize), Vec<Option<(usize, usize)>>);

/// `text` as a string, with the byte offset of every char (and of the end).
struct Text {
    string: String,
    offsets: Vec<usize>,
}

impl Text {
    fn new(chars: &[char]) -> Text {
        let mut string = String::with_capacity(chars.len());
        let mut offsets = Vec::with_capacity(chars.len() + 1);
        for c in chars {
            offsets.push(string.len());
            string.push(*c);
        }
        offsets.push(string.len());
        Text { string, offsets }
    }

    /// The char index of a byte offset (always a char boundary: `regex` matches on them).
    fn char_at(&self, byte: usize) -> usize {
        self.offsets.partition_point(|b| *b < byte)
    }

    fn byte_at(&self, char: usize) -> usize {
        self.offsets.get(char).copied().unwrap_or(self.string.len())
    }
}

impl Regex {
    pub fn new(pattern: &str, flags: &str) -> Result<Regex, Error> {
        regex::RegexBuilder::new(pattern)
            .case_insensitive(flags.contains('i'))
            .multi_line(flags.contains('m'))
            .size_limit(MAX_COMPILED_BYTES)
            .build()
            .map(|inner| Regex { inner })
            .map_err(|e| Error::new("S0303", format!("invalid regular expression: {e}")))
    }

    /// The first match at or after `from`: (start, end) in chars.
    pub fn find_at(&self, text: &[char], from: usize) -> Result<Option<(usize, usize)>, Error> {
        Ok(self.find_groups_at(text, from)?.map(|(range, _)| range))
    }

    /// The first match at or after `from`, with what its groups captured.
    pub fn find_groups_at(&self, text: &[char], from: usize) -> Result<Option<Found>, Error> {
        let text = Text::new(text);
        Ok(self.captures_at(&text, text.byte_at(from)))
    }

    /// Every non-overlapping match, with its groups.
    pub fn find_all_groups(&self, text: &[char]) -> Result<Vec<Found>, Error> {
        let text = Text::new(text);
        let mut out = Vec::new();
        let mut from = 0;
        while from <= text.string.len() {
            let Some(found) = self.captures_at(&text, from) else {
                break;
            };
            let ((start, end), _) = found;
            out.push(found);
            // An empty match moves on by one char, so the search always progresses.
            from = if end == start {
                text.byte_at(end + 1)
            } else {
                text.byte_at(end)
            };
            if start == end && end >= text.offsets.len() - 1 {
                break;
            }
        }
        Ok(out)
    }

    /// Every non-overlapping match.
    pub fn find_all(&self, text: &[char]) -> Result<Vec<(usize, usize)>, Error> {
        Ok(self
            .find_all_groups(text)?
            .into_iter()
            .map(|(range, _)| range)
            .collect())
    }

    fn captures_at(&self, text: &Text, from: usize) -> Option<Found> {
        let caps = self.inner.captures_at(&text.string, from)?;
        let whole = caps.get(0)?;
        let range = |m: regex::Match| (text.char_at(m.start()), text.char_at(m.end()));
        let groups = (1..caps.len()).map(|i| caps.get(i).map(range)).collect();
        Some((range(whole), groups))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn find(p: &str, flags: &str, t: &str) -> Option<(usize, usize)> {
        let chars: Vec<char> = t.chars().collect();
        Regex::new(p, flags).unwrap().find_at(&chars, 0).unwrap()
    }

    #[test]
    fn matches() {
        assert_eq!(find("^hello\\$", "", "hello$world"), Some((0, 6)));
        assert_eq!(find("^hello\\ ", "", "hello$world"), None);
        assert_eq!(find("a+b", "", "xaaab"), Some((1, 5)));
        assert_eq!(find("a+?", "", "aaa"), Some((0, 1)));
        assert_eq!(find("[0-9]{2,3}", "", "a1234"), Some((1, 4)));
        assert_eq!(find("(ab|cd)+$", "", "xabcd"), Some((1, 5)));
        assert_eq!(find("HELLO", "i", "say hello"), Some((4, 9)));
        assert_eq!(find("\\d+", "", "no digits"), None);
        assert!(Regex::new("(a", "").is_err());
        let chars: Vec<char> = "key=value".chars().collect();
        let re = Regex::new("(\\w+)=(?:x|(\\w+))", "").unwrap();
        let (range, caps) = re.find_groups_at(&chars, 0).unwrap().unwrap();
        assert_eq!(range, (0, 9));
        assert_eq!(caps, vec![Some((0, 3)), Some((4, 9))]);
        assert!(Regex::new("*", "").is_err());
    }

    #[test]
    fn positions_are_chars_not_bytes() {
        assert_eq!(find("b", "", "äöb"), Some((2, 3)));
        let chars: Vec<char> = "ä-ö-ü".chars().collect();
        let all = Regex::new("-", "").unwrap().find_all(&chars).unwrap();
        assert_eq!(all, vec![(1, 2), (3, 4)]);
        let empty = Regex::new("x*", "")
            .unwrap()
            .find_all(&"ab".chars().collect::<Vec<_>>())
            .unwrap();
        assert_eq!(empty, vec![(0, 0), (1, 1), (2, 2)]);
    }

    #[test]
    fn catastrophic_patterns_take_linear_time() {
        let chars: Vec<char> = "a".repeat(10_000).chars().chain(['b']).collect();
        let re = Regex::new("(a*)*c", "").unwrap();
        assert_eq!(re.find_at(&chars, 0).unwrap(), None);
    }
}
