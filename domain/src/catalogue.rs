//! The catalogue of every code set. It sits above the modules that declare
//! the sets (each declares its own with `codes::code_set!`), so that no
//! module imports it and no circle forms around the codes.

use crate::codes::{self, CodeSet, CodeSetDescription};

/// Every code set, for `/api/v1/code-sets`.
pub fn all_code_sets() -> Vec<CodeSetDescription> {
    vec![
        codes::OrganisationKind::describe(),
        codes::ProfessionalTitle::describe(),
        codes::Language::describe(),
        codes::Role::describe(),
        crate::handover::HandoverStatus::describe(),
        crate::handover::PeriodOrigin::describe(),
        crate::handover::PackageItemKind::describe(),
        crate::request::RequestStatus::describe(),
        crate::consent::ConsentPurpose::describe(),
        crate::consent::ConsentMethod::describe(),
        crate::consent::LegalBasis::describe(),
        crate::assessment::AssessmentStatus::describe(),
        crate::assessment::RecommendedPath::describe(),
        crate::contact_request::ContactChannel::describe(),
        crate::contact_request::ContactRequestStatus::describe(),
        crate::referral::ReferralStatus::describe(),
        crate::referral::Urgency::describe(),
        crate::plan::ServiceCode::describe(),
        crate::plan::ServiceStatus::describe(),
        crate::plan::PlanStatus::describe(),
        crate::plan::WarningCode::describe(),
        crate::follow_up::FollowUpStatus::describe(),
        crate::follow_up::FollowUpSource::describe(),
        crate::plan::GoalStatus::describe(),
        crate::relationship::RelationshipBasis::describe(),
        crate::team::TeamKind::describe(),
        crate::team::TeamRole::describe(),
        crate::team::Frequency::describe(),
        crate::team::MeetingDay::describe(),
        crate::event::EventType::describe(),
        crate::webhook::SubscriptionStatus::describe(),
        crate::webhook::DeliveryStatus::describe(),
    ]
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_set_has_codes() {
        for set in all_code_sets() {
            assert!(!set.codes.is_empty(), "{}", set.name);
        }
    }

    #[test]
    fn code_set_names_are_unique_and_codes_unique_within_a_set() {
        let sets = all_code_sets();
        let names: std::collections::BTreeSet<_> = sets.iter().map(|s| s.name).collect();
        assert_eq!(names.len(), sets.len());
        for set in &sets {
            let codes: std::collections::BTreeSet<_> = set.codes.iter().map(|c| c.code).collect();
            assert_eq!(codes.len(), set.codes.len(), "{}", set.name);
        }
    }

    #[test]
    fn every_code_has_a_label_in_every_language() {
        for set in all_code_sets() {
            for code in set.codes {
                assert!(!code.labels.fi.is_empty() && !code.labels.sv.is_empty());
                assert!(!code.labels.en.is_empty(), "{}", code.code);
            }
        }
    }
}
