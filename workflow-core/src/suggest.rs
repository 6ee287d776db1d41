//! "Did you mean ...?" for misspelt names: fields, states, operators, error names.

/// The candidate closest to `name`, if one is close enough to be a likely misspelling.
/// Case is ignored, so `next` finds `Next` and `wait1` finds `Wait1`.
pub fn did_you_mean<'a, I>(name: &str, candidates: I) -> Option<&'a str>
where
    I: IntoIterator<Item = &'a str>,
{
    // The edit distance is quadratic in the lengths: a name longer than any AWS allows
    // (state names have at most 80 characters) gets no suggestion, and a candidate whose
    // length alone rules it out is not measured, so that a 300 KB misspelt name among
    // 10,000 states costs nothing.
    const LONGEST: usize = 256;
    let length = name.chars().count();
    if length > LONGEST {
        return None;
    }
    let wanted = name.to_lowercase();
    candidates
        .into_iter()
        .filter(|c| {
            let other = c.chars().count();
            other <= LONGEST && other.abs_diff(length) <= (other.max(length) / 3).max(1)
        })
        .map(|c| (c, strsim::damerau_levenshtein(&wanted, &c.to_lowercase())))
        .filter(|(c, distance)| {
            // One edit in three characters is a typo; more is a different name.
            *distance <= (c.chars().count().max(name.chars().count()) / 3).max(1)
        })
        .min_by_key(|(_, distance)| *distance)
        .map(|(c, _)| c)
}

#[cfg(test)]
mod tests {
    use super::did_you_mean;

    #[test]
    fn finds_near_misses_only() {
        let states = ["Wait1", "FetchActivityCount1", "Done"];
        assert_eq!(did_you_mean("Wiat1", states), Some("Wait1"));
        assert_eq!(did_you_mean("wait1", states), Some("Wait1"));
        assert_eq!(
            did_you_mean("FetchActivityCount", states),
            Some("FetchActivityCount1")
        );
        assert_eq!(did_you_mean("Elsewhere", states), None);
        assert_eq!(did_you_mean("Nxt", ["Next", "End"]), Some("Next"));
    }

    #[test]
    fn huge_names_cost_nothing() {
        let huge = "x".repeat(300_000);
        let many: Vec<String> = (0..10_000).map(|i| format!("State{i}")).collect();
        // Without the length checks this takes minutes (an edit distance of 300,000 by
        // 300,000 characters, for each state).
        assert_eq!(did_you_mean(&huge, many.iter().map(String::as_str)), None);
        assert_eq!(did_you_mean("State1", [huge.as_str()]), None);
    }
}
