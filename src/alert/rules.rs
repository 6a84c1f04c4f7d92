//! Which change goes to which alert. Pure.

use crate::claims::ClaimChange;
use crate::config::{AlertConfig, Trigger};

/// What a rule looks at.
#[derive(Debug, Clone, Copy)]
pub struct ChangeEvent<'a> {
    pub feed_name: Option<&'a str>,
    /// "edit" or "unpublished".
    pub kind: &'a str,
    pub cosmetic: bool,
    pub stealth: bool,
    pub revert: bool,
    /// Claim changes and no notice added (`NewChange::silent`).
    pub silent: bool,
    /// Every claim change of the revision, title claims (`field: "title"`) included: nothing
    /// here looks at where a claim is, so `trigger = "claims"` fires on a headline claim too.
    pub claims: &'a [ClaimChange],
    pub title: &'a str,
    pub text: &'a str,
}

/// Does `alert` want to hear about `event`?
pub fn matches(alert: &AlertConfig, e: &ChangeEvent<'_>) -> bool {
    let triggered = match alert.trigger {
        // A revert repeats an earlier flip that was already announced.
        Trigger::Claims => e.kind == "edit" && !e.cosmetic && !e.revert && !e.claims.is_empty(),
        Trigger::Edits => e.kind == "edit" && !e.cosmetic && !e.revert,
        Trigger::All => true,
    };
    if !triggered {
        return false;
    }
    if !alert.feeds.is_empty()
        && !e
            .feed_name
            .is_some_and(|f| alert.feeds.iter().any(|a| a == f))
    {
        return false;
    }
    if alert.stealth_only && !e.stealth {
        return false;
    }
    if alert.silent_only && !e.silent {
        return false;
    }
    if !alert.kinds.is_empty() && !e.claims.iter().any(|c| alert.kinds.contains(&c.kind)) {
        return false;
    }
    if !alert.include.is_empty() || !alert.exclude.is_empty() {
        let hay = format!("{}\n{}", e.title, e.text).to_lowercase();
        if !alert.include.is_empty() && !alert.include.iter().any(|k| hay.contains(k.as_str())) {
            return false;
        }
        if alert.exclude.iter().any(|k| hay.contains(k.as_str())) {
            return false;
        }
    }
    true
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::claims::ClaimKind;
    use crate::config::{SinkConfig, Trigger};

    fn alert(trigger: Trigger) -> AlertConfig {
        AlertConfig {
            name: "desk".into(),
            sink: SinkConfig::Atom {
                path: "/tmp/x.xml".into(),
                max_entries: 10,
            },
            trigger,
            feeds: vec![],
            stealth_only: false,
            silent_only: false,
            kinds: vec![],
            include: vec![],
            exclude: vec![],
            digest: None,
            max_per_hour: None,
        }
    }

    fn claim() -> ClaimChange {
        ClaimChange {
            kind: ClaimKind::NumberChanged,
            field: crate::claims::ClaimField::Body,
            before: Some("$6 million".into()),
            after: Some("$5.6 million".into()),
            before_sentence: None,
            after_sentence: None,
        }
    }

    #[test]
    fn triggers_select_claims_edits_or_everything() {
        let claims = [claim()];
        let with = ChangeEvent {
            feed_name: Some("wire"),
            kind: "edit",
            cosmetic: false,
            stealth: false,
            revert: false,
            silent: false,
            claims: &claims,
            title: "Budget vote",
            text: "The council approved the budget.",
        };
        let plain = ChangeEvent {
            claims: &[],
            ..with
        };
        let cosmetic = ChangeEvent {
            cosmetic: true,
            ..plain
        };
        assert!(matches(&alert(Trigger::Claims), &with));
        assert!(!matches(&alert(Trigger::Claims), &plain));
        assert!(matches(&alert(Trigger::Edits), &plain));
        assert!(!matches(&alert(Trigger::Edits), &cosmetic));
        assert!(matches(&alert(Trigger::All), &cosmetic));
        let revert = ChangeEvent {
            revert: true,
            ..with
        };
        assert!(
            !matches(&alert(Trigger::Claims), &revert),
            "a flip back is not announced twice"
        );
    }

    #[test]
    fn filters_narrow_the_rule() {
        let claims = [claim()];
        let e = ChangeEvent {
            feed_name: Some("wire"),
            kind: "edit",
            cosmetic: false,
            stealth: false,
            revert: false,
            silent: false,
            claims: &claims,
            title: "Budget vote",
            text: "The council approved the budget.",
        };
        let mut a = alert(Trigger::Claims);
        a.feeds = vec!["other".into()];
        assert!(!matches(&a, &e));
        let mut a = alert(Trigger::Claims);
        a.stealth_only = true;
        assert!(!matches(&a, &e));
        let mut a = alert(Trigger::Claims);
        a.kinds = vec![ClaimKind::QuoteChanged];
        assert!(!matches(&a, &e));
        let mut a = alert(Trigger::Claims);
        a.include = vec!["council".into()];
        assert!(matches(&a, &e));
        a.exclude = vec!["budget".into()];
        assert!(!matches(&a, &e));
    }

    #[test]
    fn silent_only_fires_on_silent_changes_and_claims_fire_on_title_claims() {
        // A headline-only figure change: the claim's sentence is the title, and the body is
        // unchanged. Nothing in the rules filters it out.
        let title_claim = ClaimChange {
            kind: ClaimKind::NumberChanged,
            field: crate::claims::ClaimField::Title,
            before: Some("12".into()),
            after: Some("31".into()),
            before_sentence: Some("Ferry fire: at least 12 dead".into()),
            after_sentence: Some("Ferry fire: at least 31 dead".into()),
        };
        let claims = [title_claim];
        let silent = ChangeEvent {
            feed_name: Some("wire"),
            kind: "edit",
            cosmetic: false,
            stealth: false,
            revert: false,
            silent: true,
            claims: &claims,
            title: "Ferry fire: at least 31 dead",
            text: "Rescuers searched the harbour overnight.",
        };
        assert!(matches(&alert(Trigger::Claims), &silent));
        let mut a = alert(Trigger::Claims);
        a.silent_only = true;
        assert!(matches(&a, &silent));
        let acknowledged = ChangeEvent {
            silent: false,
            ..silent
        };
        assert!(!matches(&a, &acknowledged));
        assert!(matches(&alert(Trigger::Claims), &acknowledged));
    }
}
