//! Regression tests for the non-claim rules and wrong-report classes of CLAIMS.md version 2
//! (issue #11), each on invented news text.

#[cfg(test)]
mod tests {
    use crate::claims::Claims;
    use crate::claims::test_support::{changes, one};

    fn quantities(s: &str) -> Vec<String> {
        Claims::extract(s)
            .summary()
            .into_iter()
            .filter(|(k, _)| *k == "quantity")
            .map(|(_, v)| v)
            .collect()
    }

    #[test]
    fn duration_words_are_quantities() {
        assert_eq!(quantities("The port closed for a fortnight."), ["a fortnight"]);
        assert_eq!(quantities("The port closed for a week."), ["a week"]);
    }

    #[test]
    fn equal_durations_written_differently_are_no_change() {
        for (a, b) in [
            ("a fortnight", "two weeks"),
            ("fourteen days", "a fortnight"),
            ("seven days", "a week"),
            ("24 hours", "a day"),
            ("12 months", "a year"),
        ] {
            let got = changes(
                &format!("The border crossing was shut for {a}, officials said."),
                &format!("The border crossing was shut for {b}, officials said."),
            );
            assert!(got.is_empty(), "{a} / {b}: {got:?}");
        }
        assert_eq!(
            changes(
                "The border crossing was shut for a week, officials said.",
                "The border crossing was shut for ten days, officials said."
            ),
            one("number_changed", Some("a week"), Some("ten days"))
        );
    }

    #[test]
    fn teaser_cut_off_with_an_ellipsis_is_no_change() {
        assert!(
            changes(
                "Flood defences held overnight, said the regional governor, Marta…",
                "Flood defences held overnight, said the regional governor, Marta Costa."
            )
            .is_empty()
        );
        assert!(
            changes(
                "\"We owe everything to the volunteers and...\" the mayor said.",
                "\"We owe everything to the volunteers and the crews,\" the mayor said."
            )
            .is_empty()
        );
    }

    #[test]
    fn negation_kept_with_another_cue_is_no_change() {
        assert!(
            changes(
                "The dam gave way with no warning to residents.",
                "The dam gave way and warnings were not given to residents."
            )
            .is_empty()
        );
        // A verb of exclusion on one side, a cue word on the other: the negation is kept.
        assert!(
            changes(
                "The minister ruled out new taxes this year.",
                "The minister said there would be no new taxes this year."
            )
            .iter()
            .all(|c| c.0 != "negation_flipped")
        );
        assert!(
            changes(
                "The club refused to confirm the transfer fee.",
                "The club would not confirm the transfer fee."
            )
            .is_empty()
        );
        assert_eq!(
            changes(
                "The council did not expect the vote to pass.",
                "The council expected the vote to pass."
            ),
            one("negation_flipped", Some("not"), None)
        );
    }

    #[test]
    fn spatial_preposition_is_not_a_quantity_hedge() {
        assert!(
            changes(
                "A drone flew over the stadium during the final.",
                "A drone flew over the stadium in the final."
            )
            .is_empty()
        );
        assert!(
            changes(
                "Divers searched under 3 bridges near the harbour.",
                "Divers searched 3 bridges near the harbour."
            )
            .iter()
            .all(|c| c.0 != "hedge_removed")
        );
    }

    #[test]
    fn hyphenation_variant_of_a_word_is_not_a_number() {
        assert!(
            changes(
                "The firm will re-open its one-stop shop in the spring.",
                "The firm will reopen its one stop shop in the spring."
            )
            .is_empty()
        );
    }

    #[test]
    fn state_or_month_abbreviation_is_not_a_speaker() {
        let got = changes(
            "Fire crews in Fresno, Calif., said the blaze was contained on Jan. 4.",
            "Fire crews in Fresno, Calif., said the blaze was under control on Jan. 4.",
        );
        assert!(got.is_empty(), "{got:?}");
    }

    #[test]
    fn date_is_not_paired_with_an_unrelated_word_number() {
        let got = changes(
            "The strike began on 12 March and closed one terminal.",
            "The strike began on 12 March and closed two terminals.",
        );
        assert_eq!(got, one("number_changed", Some("one"), Some("two")));
    }
}
