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
        assert_eq!(
            quantities("The port closed for a fortnight."),
            ["a fortnight"]
        );
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

    fn title(old: &str, new: &str) -> Vec<(String, Option<String>, Option<String>)> {
        crate::claims::title_changes(old, new, &mut Vec::new())
            .into_iter()
            .map(|c| {
                assert_eq!(c.field, crate::claims::ClaimField::Title);
                (c.kind.as_str().to_string(), c.before, c.after)
            })
            .collect()
    }

    #[test]
    fn headline_items_are_compared_one_by_one() {
        assert_eq!(
            title(
                "Ferry fire: at least 12 dead",
                "Ferry fire: at least 31 dead"
            ),
            one("number_changed", Some("12"), Some("31"))
        );
        assert_eq!(
            title(
                "Bridge to close for repairs - reports",
                "Bridge to close for repairs - police"
            ),
            one("attribution_changed", Some("reports"), Some("police"))
        );
        assert_eq!(
            title(
                "Mayor 'stunned' by stadium vote",
                "Mayor 'delighted' by stadium vote"
            ),
            one("quote_changed", Some("stunned"), Some("delighted"))
        );
        assert!(title("Storm batters coast", "Coast battered by storm").is_empty());
        // Even a rewrite of the whole headline never gives claim_added/claim_removed.
        let got = title(
            "Dock strike called off",
            "Lisbon dockers return to work after 9-day strike",
        );
        assert!(got.iter().all(|c| !c.0.starts_with("claim_")), "{got:?}");
    }

    #[test]
    fn headline_quote_marks_dropped_from_words_that_stay_are_no_change() {
        assert!(
            title(
                "Ana Duarte: 'We could not have won without them'",
                "Ana Duarte: We could not have won without them"
            )
            .is_empty()
        );
    }

    #[test]
    fn warns_of_still_reports() {
        assert!(
            title(
                "Minister warns farmers of drought if rains fail",
                "Minister warns of drought for farmers if rains fail"
            )
            .iter()
            .all(|c| c.0 != "attribution_changed")
        );
    }

    #[test]
    fn rewritten_one_sentence_standfirst_is_compared_item_by_item() {
        // The only sentence of a brief, rewritten around the same toll: an edit, not a claim
        // removed and a claim added.
        let got = changes(
            "Officials in the coastal district of Vela say the flood toll has risen to 41.",
            "The flood toll in the Vela district climbs to 57, with dozens still missing.",
        );
        assert!(got.iter().all(|c| !c.0.starts_with("claim_")), "{got:?}");
        assert!(got.contains(&(
            "number_changed".into(),
            Some("41".into()),
            Some("57".into())
        )));
        // Unrelated sentences stay a removal and an addition.
        let got = changes(
            "The festival opened with a parade on Friday.",
            "Ticket prices rose by 12% this year.",
        );
        assert_eq!(got.len(), 1, "{got:?}");
        assert_eq!(got[0].0, "claim_added");
    }

    #[test]
    fn teaser_cut_mid_word_is_no_change() {
        assert!(
            changes(
                "The new bridge will open in spring, said the regional transport chief, Ana…",
                "The new bridge will open in spring, said the regional transport chief, Anabela Reis."
            )
            .is_empty()
        );
    }
}
