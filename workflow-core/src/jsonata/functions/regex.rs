//! A small backtracking regular-expression engine for JSONata's `/pattern/flags` literals:
//! literals, `.`, classes `[a-z]`, `\d\w\s` (and negations), anchors `^ $`, groups,
//! alternation, and greedy or lazy quantifiers `* + ? {m,n}`; flags `i` and `m`. Groups
//! capture (`(?:...)` does not), for `$match` and `$replace`.

use crate::jsonata::Error;

/// A compiled regex.
#[derive(Debug, PartialEq)]
pub(crate) struct Regex {
    alt: Vec<Vec<Piece>>,
    groups: usize,
    ignore_case: bool,
    multiline: bool,
}

#[derive(Debug, PartialEq, Clone)]
enum Atom {
    Char(char),
    Any,
    Class(Vec<ClassItem>, bool),
    Start,
    End,
    /// A group and, when it captures, its index (from 0 for `$1`).
    Group(Vec<Vec<Piece>>, Option<usize>),
}

#[derive(Debug, PartialEq, Clone)]
enum ClassItem {
    Range(char, char),
    Digit(bool),
    Word(bool),
    Space(bool),
}

#[derive(Debug, PartialEq, Clone)]
struct Piece {
    atom: Atom,
    min: usize,
    max: usize,
    lazy: bool,
}

const MAX_STEPS: usize = 1_000_000;

/// The state of one search: steps taken (bounded) and what the groups captured.
struct Search {
    steps: usize,
    caps: Vec<Option<(usize, usize)>>,
}

/// A match: its char range and each group's (`None` when the group took no part).
pub(crate) type Found = ((usize, usize), Vec<Option<(usize, usize)>>);

fn err(msg: impl Into<String>) -> Error {
    Error::new("S0303", msg)
}

impl Regex {
    pub fn new(pattern: &str, flags: &str) -> Result<Regex, Error> {
        let chars: Vec<char> = pattern.chars().collect();
        let mut pos = 0;
        let mut groups = 0;
        let alt = parse_alt(&chars, &mut pos, 0, &mut groups)?;
        if pos < chars.len() {
            return Err(err("Unmatched ) in regular expression"));
        }
        Ok(Regex {
            alt,
            groups,
            ignore_case: flags.contains('i'),
            multiline: flags.contains('m'),
        })
    }

    /// The first match at or after `from`: (start, end) in chars.
    pub fn find_at(&self, text: &[char], from: usize) -> Result<Option<(usize, usize)>, Error> {
        Ok(self.find_groups_at(text, from)?.map(|(range, _)| range))
    }

    /// The first match at or after `from`, with what its groups captured.
    pub fn find_groups_at(&self, text: &[char], from: usize) -> Result<Option<Found>, Error> {
        let mut search = Search {
            steps: 0,
            caps: Vec::new(),
        };
        for start in from..=text.len() {
            search.caps = vec![None; self.groups];
            if let Some(end) =
                self.match_alt(&self.alt, text, start, &mut search, &mut |e, _| Some(e))?
            {
                return Ok(Some(((start, end), search.caps)));
            }
        }
        Ok(None)
    }

    /// Every non-overlapping match, with its groups.
    pub fn find_all_groups(&self, text: &[char]) -> Result<Vec<Found>, Error> {
        let mut out = Vec::new();
        let mut from = 0;
        while from <= text.len() {
            match self.find_groups_at(text, from)? {
                Some(((s, e), caps)) => {
                    out.push(((s, e), caps));
                    from = if e == s { e + 1 } else { e };
                }
                None => break,
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

    fn match_alt(
        &self,
        alt: &[Vec<Piece>],
        text: &[char],
        pos: usize,
        steps: &mut Search,
        k: &mut dyn FnMut(usize, &mut Search) -> Option<usize>,
    ) -> Result<Option<usize>, Error> {
        for seq in alt {
            if let Some(end) = self.match_seq(seq, text, pos, steps, k)? {
                return Ok(Some(end));
            }
        }
        Ok(None)
    }

    fn match_seq(
        &self,
        seq: &[Piece],
        text: &[char],
        pos: usize,
        steps: &mut Search,
        k: &mut dyn FnMut(usize, &mut Search) -> Option<usize>,
    ) -> Result<Option<usize>, Error> {
        steps.steps += 1;
        if steps.steps > MAX_STEPS {
            return Err(Error::new(
                "D1004",
                "Regular expression matches too much: too many steps",
            ));
        }
        let Some((piece, rest)) = seq.split_first() else {
            return Ok(k(pos, steps));
        };
        self.match_piece(piece, 0, text, pos, steps, &mut |p, steps| {
            self.match_seq(rest, text, p, steps, k).ok().flatten()
        })
    }

    fn match_piece(
        &self,
        piece: &Piece,
        count: usize,
        text: &[char],
        pos: usize,
        steps: &mut Search,
        k: &mut dyn FnMut(usize, &mut Search) -> Option<usize>,
    ) -> Result<Option<usize>, Error> {
        steps.steps += 1;
        if steps.steps > MAX_STEPS {
            return Err(Error::new(
                "D1004",
                "Regular expression matches too much: too many steps",
            ));
        }
        let can_stop = count >= piece.min;
        let can_more = count < piece.max;
        if piece.lazy
            && can_stop
            && let Some(e) = k(pos, steps)
        {
            return Ok(Some(e));
        }
        if can_more {
            let r = self.match_atom(&piece.atom, text, pos, steps, &mut |p, steps| {
                if p == pos && count >= piece.min {
                    // An empty iteration cannot make progress.
                    return None;
                }
                self.match_piece(piece, count + 1, text, p, steps, k)
                    .ok()
                    .flatten()
            })?;
            if r.is_some() {
                return Ok(r);
            }
        }
        if !piece.lazy && can_stop {
            return Ok(k(pos, steps));
        }
        Ok(None)
    }

    fn match_atom(
        &self,
        atom: &Atom,
        text: &[char],
        pos: usize,
        steps: &mut Search,
        k: &mut dyn FnMut(usize, &mut Search) -> Option<usize>,
    ) -> Result<Option<usize>, Error> {
        let c = text.get(pos).copied();
        Ok(match atom {
            Atom::Char(x) => match c {
                Some(c) if self.eq(c, *x) => k(pos + 1, steps),
                _ => None,
            },
            Atom::Any => match c {
                Some(c) if c != '\n' => k(pos + 1, steps),
                _ => None,
            },
            Atom::Class(items, negated) => match c {
                Some(c) if self.in_class(items, c) != *negated => k(pos + 1, steps),
                _ => None,
            },
            Atom::Start => {
                if pos == 0 || (self.multiline && text[pos - 1] == '\n') {
                    k(pos, steps)
                } else {
                    None
                }
            }
            Atom::End => {
                if pos == text.len() || (self.multiline && text[pos] == '\n') {
                    k(pos, steps)
                } else {
                    None
                }
            }
            Atom::Group(alt, index) => {
                for seq in alt {
                    let found = self.match_seq(seq, text, pos, steps, &mut |e, st| {
                        let Some(i) = *index else { return k(e, st) };
                        let before = st.caps[i];
                        st.caps[i] = Some((pos, e));
                        let r = k(e, st);
                        if r.is_none() {
                            st.caps[i] = before;
                        }
                        r
                    })?;
                    if let Some(e) = found {
                        return Ok(Some(e));
                    }
                }
                None
            }
        })
    }

    fn eq(&self, a: char, b: char) -> bool {
        a == b || (self.ignore_case && a.to_lowercase().eq(b.to_lowercase()))
    }

    fn in_class(&self, items: &[ClassItem], c: char) -> bool {
        let test = |c: char| {
            items.iter().any(|item| match item {
                ClassItem::Range(a, b) => (*a..=*b).contains(&c),
                ClassItem::Digit(neg) => c.is_ascii_digit() != *neg,
                ClassItem::Word(neg) => (c.is_ascii_alphanumeric() || c == '_') != *neg,
                ClassItem::Space(neg) => c.is_whitespace() != *neg,
            })
        };
        test(c) || (self.ignore_case && (c.to_lowercase().any(test) || c.to_uppercase().any(test)))
    }
}

fn parse_alt(
    chars: &[char],
    pos: &mut usize,
    depth: usize,
    groups: &mut usize,
) -> Result<Vec<Vec<Piece>>, Error> {
    if depth > 50 {
        return Err(err("Regular expression nested too deeply"));
    }
    let mut alt = vec![Vec::new()];
    while *pos < chars.len() {
        let c = chars[*pos];
        let atom = match c {
            ')' => break,
            '|' => {
                *pos += 1;
                alt.push(Vec::new());
                continue;
            }
            '(' => {
                *pos += 1;
                let mut index = None;
                if chars.get(*pos) == Some(&'?') {
                    match chars.get(*pos + 1) {
                        Some(':') => *pos += 2,
                        _ => return Err(err("Unsupported group in regular expression")),
                    }
                } else {
                    index = Some(*groups);
                    *groups += 1;
                }
                let inner = parse_alt(chars, pos, depth + 1, groups)?;
                if chars.get(*pos) != Some(&')') {
                    return Err(err("Unterminated group in regular expression"));
                }
                *pos += 1;
                Atom::Group(inner, index)
            }
            '^' => {
                *pos += 1;
                Atom::Start
            }
            '$' => {
                *pos += 1;
                Atom::End
            }
            '.' => {
                *pos += 1;
                Atom::Any
            }
            '[' => parse_class(chars, pos)?,
            '\\' => {
                *pos += 1;
                let item = escape(chars, pos)?;
                match item {
                    ClassItem::Range(a, _) => Atom::Char(a),
                    other => Atom::Class(vec![other], false),
                }
            }
            '*' | '+' | '?' => return Err(err("Nothing to repeat in regular expression")),
            other => {
                *pos += 1;
                Atom::Char(other)
            }
        };
        let (min, max) = match chars.get(*pos) {
            Some('*') => {
                *pos += 1;
                (0, usize::MAX)
            }
            Some('+') => {
                *pos += 1;
                (1, usize::MAX)
            }
            Some('?') => {
                *pos += 1;
                (0, 1)
            }
            Some('{') => match braces(chars, *pos) {
                Some((min, max, next)) => {
                    *pos = next;
                    (min, max)
                }
                None => (1, 1),
            },
            _ => (1, 1),
        };
        let lazy = (min, max) != (1, 1) && chars.get(*pos) == Some(&'?');
        if lazy {
            *pos += 1;
        }
        if let Some(seq) = alt.last_mut() {
            seq.push(Piece {
                atom,
                min,
                max,
                lazy,
            });
        }
    }
    Ok(alt)
}

fn braces(chars: &[char], start: usize) -> Option<(usize, usize, usize)> {
    let end = (start..chars.len()).find(|&i| chars[i] == '}')?;
    let inner: String = chars[start + 1..end].iter().collect();
    let (min, max) = match inner.split_once(',') {
        Some((a, "")) => (a.trim().parse().ok()?, usize::MAX),
        Some((a, b)) => (a.trim().parse().ok()?, b.trim().parse().ok()?),
        None => {
            let n = inner.trim().parse().ok()?;
            (n, n)
        }
    };
    Some((min, max, end + 1))
}

fn escape(chars: &[char], pos: &mut usize) -> Result<ClassItem, Error> {
    let Some(&c) = chars.get(*pos) else {
        return Err(err("Trailing \\ in regular expression"));
    };
    *pos += 1;
    Ok(match c {
        'd' => ClassItem::Digit(false),
        'D' => ClassItem::Digit(true),
        'w' => ClassItem::Word(false),
        'W' => ClassItem::Word(true),
        's' => ClassItem::Space(false),
        'S' => ClassItem::Space(true),
        'n' => ClassItem::Range('\n', '\n'),
        't' => ClassItem::Range('\t', '\t'),
        'r' => ClassItem::Range('\r', '\r'),
        other => ClassItem::Range(other, other),
    })
}

fn parse_class(chars: &[char], pos: &mut usize) -> Result<Atom, Error> {
    *pos += 1;
    let negated = chars.get(*pos) == Some(&'^');
    if negated {
        *pos += 1;
    }
    let mut items = Vec::new();
    let mut first = true;
    loop {
        let Some(&c) = chars.get(*pos) else {
            return Err(err("Unterminated character class in regular expression"));
        };
        if c == ']' && !first {
            *pos += 1;
            break;
        }
        first = false;
        let item = if c == '\\' {
            *pos += 1;
            escape(chars, pos)?
        } else {
            *pos += 1;
            ClassItem::Range(c, c)
        };
        if let ClassItem::Range(a, _) = item
            && chars.get(*pos) == Some(&'-')
            && chars.get(*pos + 1).is_some_and(|c| *c != ']')
        {
            let b = chars[*pos + 1];
            *pos += 2;
            items.push(ClassItem::Range(a, b));
            continue;
        }
        items.push(item);
    }
    Ok(Atom::Class(items, negated))
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
    fn catastrophic_patterns_stop() {
        let chars: Vec<char> = "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaab".chars().collect();
        let re = Regex::new("(a*)*c", "").unwrap();
        let _ = re.find_at(&chars, 0);
    }
}
