//! Work-ability support plan (työkyvyn tuen suunnitelma, "palvelukartta"):
//! versioned per client; a published version is never edited, a new version
//! supersedes it. Every plan says when we come back to this ("milloin tähän
//! palataan"). The coordinator must know every service the client has and
//! remove overlaps (päällekkäisyys).
//!
//! ```text
//! draft ──publish (follow-up date; warnings acknowledged)──▶ published ──(next version published)──▶ superseded
//! ```

use chrono::{DateTime, NaiveDate, Utc};
use thiserror::Error;
use uuid::Uuid;

use crate::codes::code_set;

code_set! {
    /// The service catalogue.
    ServiceCode, "services", "Service catalogue of work-ability support" {
        RehabilitativeWorkActivity = "rehabilitative_work_activity":
            "Kuntouttava työtoiminta", "Arbetsverksamhet i rehabiliteringssyfte", "Rehabilitative work activity";
        SocialRehabilitation = "social_rehabilitation": "Sosiaalinen kuntoutus", "Social rehabilitering", "Social rehabilitation";
        VocationalRehabilitation = "vocational_rehabilitation":
            "Ammatillinen kuntoutus", "Yrkesinriktad rehabilitering", "Vocational rehabilitation";
        MedicalRehabilitation = "medical_rehabilitation":
            "Lääkinnällinen kuntoutus", "Medicinsk rehabilitering", "Medical rehabilitation";
        JobCoaching = "job_coaching": "Työhönvalmennus", "Arbetshandledning", "Job coaching";
        WorkTrial = "work_trial": "Työkokeilu", "Arbetsprövning", "Work trial";
        Education = "education": "Koulutus", "Utbildning", "Education";
        HealthExamination = "health_examination": "Terveystarkastus", "Hälsoundersökning", "Health examination";
        PhysiciansStatement = "physicians_statement": "Lääkärinlausunto", "Läkarutlåtande", "Physician's statement";
        MentalHealthServices = "mental_health_services": "Mielenterveyspalvelut", "Mentalvårdstjänster", "Mental-health services";
        SubstanceAbuseServices = "substance_abuse_services": "Päihdepalvelut", "Missbrukartjänster", "Substance-abuse services";
        ThirdSectorActivity = "third_sector_activity": "Järjestötoiminta", "Organisationsverksamhet", "Third-sector activity";
        BenefitsMatters = "benefits_matters": "Etuusasiat", "Förmånsärenden", "Benefits matters";
        Other = "other": "Muu", "Annan", "Other";
    }
}

code_set! {
    /// Where a planned service stands.
    ServiceStatus, "service-statuses", "States of a planned service" {
        Planned = "planned": "Suunniteltu", "Planerad", "Planned";
        Active = "active": "Käynnissä", "Pågående", "Active";
        Ended = "ended": "Päättynyt", "Avslutad", "Ended";
        Cancelled = "cancelled": "Peruttu", "Inställd", "Cancelled";
    }
}

code_set! {
    /// Where a plan version stands.
    PlanStatus, "plan-statuses", "States of a support plan version" {
        Draft = "draft": "Luonnos", "Utkast", "Draft";
        Published = "published": "Voimassa", "Gällande", "Published: the plan in force";
        Superseded = "superseded": "Korvattu", "Ersatt", "Superseded by a newer version";
    }
}

code_set! {
    /// Why the overlap rule warns.
    WarningCode, "plan-warnings", "Warnings the overlap rule raises on a plan" {
        OverlappingServices = "overlapping_services":
            "Päällekkäiset palvelut eri tuottajilla", "Överlappande tjänster hos olika producenter",
            "Services of the same kind active at the same time at different providers";
        UnusedService = "unused_service":
            "Asiakas ei käytä palvelua", "Klienten använder inte tjänsten", "An active service the client says they do not use";
    }
}

/// One service in the plan.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PlannedService {
    pub id: Uuid,
    pub code: ServiceCode,
    pub provider_organisation_id: Uuid,
    pub status: ServiceStatus,
    pub starts_on: NaiveDate,
    /// Open-ended when absent.
    pub ends_on: Option<NaiveDate>,
    /// What the client says: `Some(false)` when they do not actually use it.
    pub client_confirms_use: Option<bool>,
}

impl PlannedService {
    fn is_active(&self) -> bool {
        self.status == ServiceStatus::Active
    }

    fn overlaps(&self, other: &Self) -> bool {
        let ends_after = |end: Option<NaiveDate>, start: NaiveDate| end.is_none_or(|e| e >= start);
        ends_after(self.ends_on, other.starts_on) && ends_after(other.ends_on, self.starts_on)
    }
}

/// A warning, with the services it concerns.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Warning {
    pub code: WarningCode,
    pub services: Vec<Uuid>,
}

/// The overlap rule: services of the same kind active in overlapping periods at
/// different providers, and active services the client says they do not use.
pub fn warnings(services: &[PlannedService]) -> Vec<Warning> {
    let mut found = Vec::new();
    for (i, a) in services.iter().enumerate() {
        for b in &services[i + 1..] {
            let same_kind_elsewhere =
                a.code == b.code && a.provider_organisation_id != b.provider_organisation_id;
            if a.is_active() && b.is_active() && same_kind_elsewhere && a.overlaps(b) {
                found.push(Warning {
                    code: WarningCode::OverlappingServices,
                    services: vec![a.id, b.id],
                });
            }
        }
    }
    for s in services
        .iter()
        .filter(|s| s.is_active() && s.client_confirms_use == Some(false))
    {
        found.push(Warning {
            code: WarningCode::UnusedService,
            services: vec![s.id],
        });
    }
    found
}

#[derive(Debug, Clone, PartialEq, Eq, Error)]
pub enum PlanError {
    #[error("the plan is {0}; only a draft can be edited or published")]
    NotDraft(PlanStatus),
    #[error("a plan needs its next follow-up date (milloin tähän palataan) to be published")]
    FollowUpRequired,
    #[error("the follow-up date must not be in the past")]
    FollowUpInPast,
    #[error("the plan has open warnings; acknowledge them to publish")]
    WarningsNotAcknowledged,
}

/// Checks a draft before it becomes the plan in force.
pub fn publish(
    status: PlanStatus,
    follow_up_on: Option<NaiveDate>,
    services: &[PlannedService],
    warnings_acknowledged: bool,
    today: NaiveDate,
) -> Result<(), PlanError> {
    if status != PlanStatus::Draft {
        return Err(PlanError::NotDraft(status));
    }
    let follow_up = follow_up_on.ok_or(PlanError::FollowUpRequired)?;
    if follow_up < today {
        return Err(PlanError::FollowUpInPast);
    }
    if !warnings(services).is_empty() && !warnings_acknowledged {
        return Err(PlanError::WarningsNotAcknowledged);
    }
    Ok(())
}

/// Only a draft is edited; a published version never changes.
pub fn edit(status: PlanStatus) -> Result<(), PlanError> {
    if status == PlanStatus::Draft {
        Ok(())
    } else {
        Err(PlanError::NotDraft(status))
    }
}

code_set! {
    /// Where a follow-up stands; overdue is computed, never stored.
    FollowUpStatus, "follow-up-statuses", "States of a follow-up" {
        Open = "open": "Avoin", "Öppen", "Open";
        Done = "done": "Tehty", "Gjord", "Done, with a note";
        Cancelled = "cancelled": "Peruttu", "Inställd", "Cancelled";
    }
}

/// An open follow-up is overdue once its due date has passed.
pub fn is_overdue(status: FollowUpStatus, due_on: NaiveDate, now: DateTime<Utc>) -> bool {
    status == FollowUpStatus::Open && due_on < now.date_naive()
}

#[cfg(test)]
mod tests {
    use chrono::TimeZone;

    use super::*;

    fn day(d: u32) -> NaiveDate {
        NaiveDate::from_ymd_opt(2026, 12, d).unwrap()
    }

    fn service(
        code: ServiceCode,
        provider: Uuid,
        starts: u32,
        ends: Option<u32>,
    ) -> PlannedService {
        PlannedService {
            id: Uuid::now_v7(),
            code,
            provider_organisation_id: provider,
            status: ServiceStatus::Active,
            starts_on: day(starts),
            ends_on: ends.map(day),
            client_confirms_use: None,
        }
    }

    #[test]
    fn the_same_service_at_two_providers_at_once_is_an_overlap() {
        let (a, b) = (Uuid::now_v7(), Uuid::now_v7());
        let first = service(ServiceCode::RehabilitativeWorkActivity, a, 1, Some(20));
        let second = service(ServiceCode::RehabilitativeWorkActivity, b, 10, None);
        let found = warnings(&[first.clone(), second.clone()]);
        assert_eq!(
            found,
            [Warning {
                code: WarningCode::OverlappingServices,
                services: vec![first.id, second.id]
            }]
        );
    }

    #[test]
    fn no_overlap_in_time_at_one_provider_or_of_different_kinds() {
        let (a, b) = (Uuid::now_v7(), Uuid::now_v7());
        let before = service(ServiceCode::JobCoaching, a, 1, Some(9));
        let after = service(ServiceCode::JobCoaching, b, 10, None);
        assert!(warnings(&[before, after]).is_empty(), "one after the other");
        let same_provider = [
            service(ServiceCode::JobCoaching, a, 1, None),
            service(ServiceCode::JobCoaching, a, 2, None),
        ];
        assert!(warnings(&same_provider).is_empty());
        let kinds = [
            service(ServiceCode::JobCoaching, a, 1, None),
            service(ServiceCode::WorkTrial, b, 1, None),
        ];
        assert!(warnings(&kinds).is_empty());
    }

    #[test]
    fn only_active_services_count() {
        let (a, b) = (Uuid::now_v7(), Uuid::now_v7());
        let planned = PlannedService {
            status: ServiceStatus::Planned,
            ..service(ServiceCode::JobCoaching, a, 1, None)
        };
        let ended = PlannedService {
            status: ServiceStatus::Ended,
            client_confirms_use: Some(false),
            ..service(ServiceCode::JobCoaching, a, 1, None)
        };
        let active = service(ServiceCode::JobCoaching, b, 1, None);
        assert!(warnings(&[planned, ended, active]).is_empty());
    }

    #[test]
    fn an_active_service_the_client_does_not_use_is_flagged() {
        let unused = PlannedService {
            client_confirms_use: Some(false),
            ..service(ServiceCode::ThirdSectorActivity, Uuid::now_v7(), 1, None)
        };
        assert_eq!(
            warnings(std::slice::from_ref(&unused)),
            [Warning {
                code: WarningCode::UnusedService,
                services: vec![unused.id]
            }]
        );
    }

    #[test]
    fn publishing_needs_a_draft_a_follow_up_and_acknowledged_warnings() {
        let today = day(5);
        assert_eq!(
            publish(PlanStatus::Draft, Some(day(30)), &[], false, today),
            Ok(())
        );
        assert_eq!(
            publish(PlanStatus::Draft, None, &[], false, today),
            Err(PlanError::FollowUpRequired)
        );
        assert_eq!(
            publish(PlanStatus::Draft, Some(day(4)), &[], false, today),
            Err(PlanError::FollowUpInPast)
        );
        assert_eq!(
            publish(PlanStatus::Published, Some(day(30)), &[], false, today),
            Err(PlanError::NotDraft(PlanStatus::Published))
        );
        let (a, b) = (Uuid::now_v7(), Uuid::now_v7());
        let overlapping = [
            service(ServiceCode::JobCoaching, a, 1, None),
            service(ServiceCode::JobCoaching, b, 1, None),
        ];
        assert_eq!(
            publish(PlanStatus::Draft, Some(day(30)), &overlapping, false, today),
            Err(PlanError::WarningsNotAcknowledged)
        );
        assert_eq!(
            publish(PlanStatus::Draft, Some(day(30)), &overlapping, true, today),
            Ok(())
        );
    }

    #[test]
    fn a_published_or_superseded_version_is_never_edited() {
        assert_eq!(edit(PlanStatus::Draft), Ok(()));
        for status in [PlanStatus::Published, PlanStatus::Superseded] {
            assert_eq!(edit(status), Err(PlanError::NotDraft(status)));
        }
    }

    #[test]
    fn an_open_follow_up_is_overdue_after_its_date() {
        let now = Utc.with_ymd_and_hms(2026, 12, 10, 8, 0, 0).unwrap();
        assert!(is_overdue(FollowUpStatus::Open, day(9), now));
        assert!(
            !is_overdue(FollowUpStatus::Open, day(10), now),
            "due today is not overdue yet"
        );
        assert!(!is_overdue(FollowUpStatus::Done, day(1), now));
    }
}
