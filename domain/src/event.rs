//! Domain events: what another organisation's system may want to follow.
//! Each is stored with the change it describes (in the same transaction)
//! and published through the event feed and webhooks.

use crate::codes::code_set;

code_set! {
    /// Kind of domain event, as integrators see it in the feed and in
    /// webhook deliveries.
    EventType, "event-types", "Kinds of domain event in the feed and webhooks" {
        ClientCreated = "client.created":
            "Asiakas luotu", "Klient skapad", "Client created";
        ClientChanged = "client.changed":
            "Asiakkaan tiedot muuttuivat", "Klientens uppgifter ändrade", "Client details changed";
        RelationshipOpened = "relationship.opened":
            "Asiakkuus alkoi", "Klientrelation inledd", "Client relationship opened";
        RelationshipEnded = "relationship.ended":
            "Asiakkuus päättyi", "Klientrelation avslutad", "Client relationship ended";
        ResponsibilityChanged = "responsibility.changed":
            "Asiakasvastaava vaihtui", "Klientansvarig bytt", "Responsible worker changed";
        WorkPairChanged = "work_pair.changed":
            "Työpari vaihtui", "Arbetspar bytt", "Work pair changed";
        HandoverProposed = "handover.proposed":
            "Siirto ehdotettu", "Överlämning föreslagen", "Handover proposed";
        HandoverAccepted = "handover.accepted":
            "Siirto hyväksytty", "Överlämning godkänd", "Handover accepted";
        HandoverDeclined = "handover.declined":
            "Siirto hylätty", "Överlämning avböjd", "Handover declined";
        HandoverCancelled = "handover.cancelled":
            "Siirto peruttu", "Överlämning återkallad", "Handover cancelled";
        FollowUpsMoved = "follow_ups.moved":
            "Seurannat siirtyivät", "Uppföljningar flyttade", "Follow-ups moved to the new responsible worker";
        ResponsibilityRequestCreated = "responsibility_request.created":
            "Vastuupyyntö tehty", "Ansvarsbegäran gjord", "Responsibility request made";
        ResponsibilityRequestAgreed = "responsibility_request.agreed":
            "Vastuupyyntöön suostuttu", "Ansvarsbegäran godkänd", "Responsibility request agreed";
        ResponsibilityRequestRefused = "responsibility_request.refused":
            "Vastuupyyntö evätty", "Ansvarsbegäran avslagen", "Responsibility request refused";
        ResponsibilityRequestWithdrawn = "responsibility_request.withdrawn":
            "Vastuupyyntö peruttu", "Ansvarsbegäran återkallad", "Responsibility request withdrawn";
        ConsentGiven = "consent.given":
            "Suostumus kirjattu", "Samtycke registrerat", "Consent recorded";
        ConsentWithdrawn = "consent.withdrawn":
            "Suostumus peruttu", "Samtycke återkallat", "Consent withdrawn";
        ReferralSent = "referral.sent":
            "Lähete lähetetty", "Remiss skickad", "Referral sent";
        ReferralAccepted = "referral.accepted":
            "Lähete vastaanotettu", "Remiss mottagen", "Referral accepted";
        ReferralReturned = "referral.returned":
            "Lähete palautettu", "Remiss returnerad", "Referral returned";
        ReferralWithdrawn = "referral.withdrawn":
            "Lähete peruttu", "Remiss återkallad", "Referral withdrawn";
        AssessmentOpened = "assessment.opened":
            "Arviointi avattu", "Bedömning öppnad", "Assessment opened";
        AssessmentStarted = "assessment.started":
            "Arviointi alkoi", "Bedömning påbörjad", "Assessment started";
        AssessmentCompleted = "assessment.completed":
            "Arviointi valmistui", "Bedömning slutförd", "Assessment completed";
        AssessmentCancelled = "assessment.cancelled":
            "Arviointi peruttu", "Bedömning avbruten", "Assessment cancelled";
        PlanPublished = "plan.published":
            "Suunnitelma julkaistu", "Plan publicerad", "Support plan published";
        FollowUpAdded = "follow_up.added":
            "Seuranta lisätty", "Uppföljning tillagd", "Follow-up added";
        FollowUpCompleted = "follow_up.completed":
            "Seuranta tehty", "Uppföljning utförd", "Follow-up completed";
        FollowUpCancelled = "follow_up.cancelled":
            "Seuranta peruttu", "Uppföljning inställd", "Follow-up cancelled";
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::codes::CodeSet;

    #[test]
    fn every_type_is_a_subject_dot_what_happened_and_parses_back() {
        for kind in EventType::ALL {
            let (subject, happened) = kind.code().split_once('.').unwrap_or_default();
            let word =
                |w: &str| !w.is_empty() && w.bytes().all(|b| b.is_ascii_lowercase() || b == b'_');
            assert!(word(subject) && word(happened), "{kind}");
            assert_eq!(kind.code().parse::<EventType>(), Ok(*kind));
        }
        assert!("handover.accept".parse::<EventType>().is_err());
    }
}
