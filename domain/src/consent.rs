//! Consent (suostumus): referral to assessment, handling in a team or
//! network, and exchange of information between organisations all need the
//! client's consent, recorded with its purposes and the organisations it
//! covers. The client may withdraw it at any time; from that moment nothing new
//! is shared under it. Every disclosure path asks `may_disclose`; no handler
//! decides consent by itself.

use std::collections::BTreeSet;

use chrono::{DateTime, Utc};
use thiserror::Error;
use uuid::Uuid;

use crate::codes::code_set;

code_set! {
    /// What a consent allows.
    ConsentPurpose, "consent-purposes", "Purposes a client's consent may cover" {
        ReferralToAssessment = "referral_to_assessment":
            "Ohjaus terveydentilan ja työkyvyn arvioon", "Remiss till bedömning av hälsotillstånd och arbetsförmåga",
            "Referral to a health and work-ability assessment";
        TeamOrNetworkHandling = "team_or_network_handling":
            "Käsittely työkykytiimissä tai verkostossa", "Behandling i arbetsförmågeteam eller nätverk",
            "Handling in a work-ability team or network";
        InformationExchange = "information_exchange":
            "Tietojen vaihto toimijoiden välillä", "Informationsutbyte mellan aktörer",
            "Exchange of information between organisations";
    }
}

code_set! {
    /// How the client gave (or withdrew) consent.
    ConsentMethod, "consent-methods", "How consent was given or withdrawn" {
        Written = "written": "Kirjallinen", "Skriftligt", "Written";
        Verbal = "verbal": "Suullinen", "Muntligt", "Verbal";
        Electronic = "electronic": "Sähköinen", "Elektroniskt", "Electronic";
    }
}

code_set! {
    /// A right to information by law, used instead of consent. Every use is
    /// logged with its basis and flagged for review.
    LegalBasis, "legal-bases", "Statutory rights to information that stand in for consent" {
        KelaInformationRight = "kela_information_right":
            "Kelan tiedonsaantioikeus (laki Kansaneläkelaitoksesta)", "FPA:s rätt att få uppgifter",
            "Kela's statutory right to obtain information";
        EmploymentServicesAct = "employment_services_act":
            "Laki työvoimapalvelujen järjestämisestä (380/2023)", "Lagen om ordnandet av arbetskraftsservice (380/2023)",
            "Act on the Organisation of Employment Services (380/2023)";
        SocialWelfareAct = "social_welfare_act":
            "Sosiaalihuoltolaki (1301/2014)", "Socialvårdslagen (1301/2014)", "Social Welfare Act (1301/2014)";
        OtherStatute = "other_statute": "Muu laki", "Annan lag", "Another statute (name it in the reason)";
    }
}

/// Shortest reason accepted for a statutory disclosure: it is reviewed by a person.
pub const MIN_STATUTORY_REASON_CHARS: usize = 10;

/// A statutory disclosure needs a reason a reviewer can judge.
pub fn statutory_reason_ok(reason: &str) -> bool {
    reason.trim().chars().count() >= MIN_STATUTORY_REASON_CHARS
}

/// What the rules need of a recorded consent.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Consent {
    pub id: Uuid,
    pub purposes: BTreeSet<ConsentPurpose>,
    /// Organisations between which the consent lets information move.
    pub organisations: BTreeSet<Uuid>,
    pub given_at: DateTime<Utc>,
    pub expires_at: Option<DateTime<Utc>>,
    pub withdrawn_at: Option<DateTime<Utc>>,
}

impl Consent {
    pub fn is_active_at(&self, at: DateTime<Utc>) -> bool {
        self.given_at <= at
            && self.withdrawn_at.is_none_or(|withdrawn| at < withdrawn)
            && self.expires_at.is_none_or(|expiry| at < expiry)
    }

    fn covers(&self, purpose: ConsentPurpose, organisation: Uuid) -> bool {
        self.purposes.contains(&purpose) && self.organisations.contains(&organisation)
    }
}

/// Why a disclosure is not allowed.
#[derive(Debug, Clone, PartialEq, Eq, Error)]
pub enum ConsentDenied {
    #[error("no consent of the client covers {purpose} with organisation {organisation}")]
    Missing {
        purpose: ConsentPurpose,
        organisation: Uuid,
    },
    #[error(
        "the client withdrew consent {consent} that covered {purpose} with organisation {organisation}"
    )]
    Withdrawn {
        consent: Uuid,
        purpose: ConsentPurpose,
        organisation: Uuid,
    },
    #[error(
        "consent {consent} that covered {purpose} with organisation {organisation} has expired"
    )]
    Expired {
        consent: Uuid,
        purpose: ConsentPurpose,
        organisation: Uuid,
    },
}

impl ConsentDenied {
    pub fn purpose(&self) -> ConsentPurpose {
        match self {
            Self::Missing { purpose, .. }
            | Self::Withdrawn { purpose, .. }
            | Self::Expired { purpose, .. } => *purpose,
        }
    }

    pub fn organisation(&self) -> Uuid {
        match self {
            Self::Missing { organisation, .. }
            | Self::Withdrawn { organisation, .. }
            | Self::Expired { organisation, .. } => *organisation,
        }
    }
}

/// May organisation `from` disclose the client's data to organisation `to`
/// for `purpose` at `at`? Within one organisation no consent is needed.
/// Allowed: the consent it rests on (`None` within one organisation).
pub fn may_disclose(
    consents: &[Consent],
    from: Uuid,
    to: Uuid,
    purpose: ConsentPurpose,
    at: DateTime<Utc>,
) -> Result<Option<Uuid>, ConsentDenied> {
    if from == to {
        return Ok(None);
    }
    let relevant = || {
        consents
            .iter()
            .filter(|c| c.covers(purpose, to) && c.covers(purpose, from))
    };
    if let Some(active) = relevant()
        .filter(|c| c.is_active_at(at))
        .max_by_key(|c| c.given_at)
    {
        return Ok(Some(active.id));
    }
    // Say why, naming the most recent consent that no longer holds.
    let latest = relevant()
        .filter(|c| c.given_at <= at)
        .max_by_key(|c| c.given_at);
    Err(match latest {
        Some(c) if c.withdrawn_at.is_some_and(|w| w <= at) => ConsentDenied::Withdrawn {
            consent: c.id,
            purpose,
            organisation: to,
        },
        Some(c) => ConsentDenied::Expired {
            consent: c.id,
            purpose,
            organisation: to,
        },
        None => ConsentDenied::Missing {
            purpose,
            organisation: to,
        },
    })
}

/// Organisations an active consent lets see the client for `purpose`.
pub fn organisations_covered(
    consents: &[Consent],
    purpose: ConsentPurpose,
    at: DateTime<Utc>,
) -> BTreeSet<Uuid> {
    consents
        .iter()
        .filter(|c| c.is_active_at(at) && c.purposes.contains(&purpose))
        .flat_map(|c| c.organisations.iter().copied())
        .collect()
}

#[derive(Debug, Clone, PartialEq, Eq, Error)]
pub enum ConsentError {
    #[error("the consent has already been withdrawn")]
    AlreadyWithdrawn,
    #[error("a withdrawal cannot precede the consent")]
    WithdrawnBeforeGiven,
}

/// Withdrawing takes effect at `at`; nothing is deleted.
pub fn withdraw(consent: &Consent, at: DateTime<Utc>) -> Result<(), ConsentError> {
    if consent.withdrawn_at.is_some() {
        return Err(ConsentError::AlreadyWithdrawn);
    }
    if at < consent.given_at {
        return Err(ConsentError::WithdrawnBeforeGiven);
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use chrono::Duration;

    use super::*;

    fn consent(
        purposes: &[ConsentPurpose],
        organisations: &[Uuid],
        given_at: DateTime<Utc>,
    ) -> Consent {
        Consent {
            id: Uuid::now_v7(),
            purposes: purposes.iter().copied().collect(),
            organisations: organisations.iter().copied().collect(),
            given_at,
            expires_at: None,
            withdrawn_at: None,
        }
    }

    const EXCHANGE: ConsentPurpose = ConsentPurpose::InformationExchange;

    #[test]
    fn within_one_organisation_no_consent_is_needed() {
        let org = Uuid::now_v7();
        assert_eq!(may_disclose(&[], org, org, EXCHANGE, Utc::now()), Ok(None));
    }

    #[test]
    fn an_active_consent_covering_both_organisations_allows_it() {
        let (a, b, now) = (Uuid::now_v7(), Uuid::now_v7(), Utc::now());
        let c = consent(&[EXCHANGE], &[a, b], now - Duration::days(1));
        assert_eq!(
            may_disclose(std::slice::from_ref(&c), a, b, EXCHANGE, now),
            Ok(Some(c.id))
        );
    }

    #[test]
    fn without_a_consent_the_denial_names_purpose_and_organisation() {
        let (a, b, now) = (Uuid::now_v7(), Uuid::now_v7(), Utc::now());
        assert_eq!(
            may_disclose(&[], a, b, EXCHANGE, now),
            Err(ConsentDenied::Missing {
                purpose: EXCHANGE,
                organisation: b
            })
        );
    }

    #[test]
    fn another_purpose_or_an_uncovered_organisation_does_not_count() {
        let (a, b, c, now) = (Uuid::now_v7(), Uuid::now_v7(), Uuid::now_v7(), Utc::now());
        let referral = consent(&[ConsentPurpose::ReferralToAssessment], &[a, b], now);
        let other_org = consent(&[EXCHANGE], &[a, c], now);
        assert!(matches!(
            may_disclose(&[referral, other_org], a, b, EXCHANGE, now),
            Err(ConsentDenied::Missing { .. })
        ));
    }

    #[test]
    fn a_withdrawn_consent_stops_disclosure_from_that_moment() {
        let (a, b, now) = (Uuid::now_v7(), Uuid::now_v7(), Utc::now());
        let mut c = consent(&[EXCHANGE], &[a, b], now - Duration::days(2));
        c.withdrawn_at = Some(now - Duration::hours(1));
        assert_eq!(
            may_disclose(std::slice::from_ref(&c), a, b, EXCHANGE, now),
            Err(ConsentDenied::Withdrawn {
                consent: c.id,
                purpose: EXCHANGE,
                organisation: b
            })
        );
        // Before the withdrawal it held.
        assert_eq!(
            may_disclose(
                std::slice::from_ref(&c),
                a,
                b,
                EXCHANGE,
                now - Duration::days(1)
            ),
            Ok(Some(c.id))
        );
    }

    #[test]
    fn an_expired_consent_no_longer_holds() {
        let (a, b, now) = (Uuid::now_v7(), Uuid::now_v7(), Utc::now());
        let mut c = consent(&[EXCHANGE], &[a, b], now - Duration::days(2));
        c.expires_at = Some(now - Duration::seconds(1));
        assert_eq!(
            may_disclose(std::slice::from_ref(&c), a, b, EXCHANGE, now),
            Err(ConsentDenied::Expired {
                consent: c.id,
                purpose: EXCHANGE,
                organisation: b
            })
        );
    }

    #[test]
    fn a_newer_consent_replaces_a_withdrawn_one() {
        let (a, b, now) = (Uuid::now_v7(), Uuid::now_v7(), Utc::now());
        let mut old = consent(&[EXCHANGE], &[a, b], now - Duration::days(3));
        old.withdrawn_at = Some(now - Duration::days(2));
        let new = consent(&[EXCHANGE], &[a, b], now - Duration::days(1));
        assert_eq!(
            may_disclose(&[old, new.clone()], a, b, EXCHANGE, now),
            Ok(Some(new.id))
        );
    }

    #[test]
    fn a_consent_given_in_the_future_does_not_hold_yet() {
        let (a, b, now) = (Uuid::now_v7(), Uuid::now_v7(), Utc::now());
        let c = consent(&[EXCHANGE], &[a, b], now + Duration::days(1));
        assert!(matches!(
            may_disclose(&[c], a, b, EXCHANGE, now),
            Err(ConsentDenied::Missing { .. })
        ));
    }

    #[test]
    fn covered_organisations_are_those_of_active_consents() {
        let (a, b, c, now) = (Uuid::now_v7(), Uuid::now_v7(), Uuid::now_v7(), Utc::now());
        let active = consent(&[EXCHANGE], &[a, b], now);
        let mut gone = consent(&[EXCHANGE], &[c], now - Duration::days(1));
        gone.withdrawn_at = Some(now);
        assert_eq!(
            organisations_covered(&[active, gone], EXCHANGE, now),
            [a, b].into_iter().collect()
        );
    }

    #[test]
    fn a_statutory_disclosure_needs_a_real_reason() {
        assert!(!statutory_reason_ok("  lyhyt  "));
        assert!(statutory_reason_ok(
            "Työttömyysetuuden maksaminen, hakemus 2026-118"
        ));
    }

    #[test]
    fn withdrawal_happens_once_and_not_before_the_consent() {
        let now = Utc::now();
        let mut c = consent(&[EXCHANGE], &[Uuid::now_v7()], now);
        assert_eq!(
            withdraw(&c, now - Duration::days(1)),
            Err(ConsentError::WithdrawnBeforeGiven)
        );
        assert_eq!(withdraw(&c, now), Ok(()));
        c.withdrawn_at = Some(now);
        assert_eq!(withdraw(&c, now), Err(ConsentError::AlreadyWithdrawn));
    }
}
