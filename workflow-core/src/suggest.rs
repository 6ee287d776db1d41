//! "Did you mean ...?" for misspelt names: fields, states, operators, error names.

/// The candidate closest to `name`, if one is close enough to be a likely misspelling.
/// Case is ignored, so `next` finds `Next` and `wait1` finds `Wait1`.
pub fn did_you_mean<'a, I>(name: &str, candidates: I) -> Option<&'a str>
where
    I: IntoIterator<Item = &'a str>,
{
    let wanted = name.to_lowercase();
    candidates
        .into_iter()
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
}
