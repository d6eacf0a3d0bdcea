//! Work-ability support plan (työkyvyn tuen suunnitelma, "palvelukartta"):
//! versioned per client; a published version is never edited, a new version
//! supersedes it. Every plan says when we come back to this ("milloin tähän
//! palataan"). The coordinator must know every service the client has and
//! remove overlaps (päällekkäisyys).
//!
//! ```text
//! draft ──publish (follow-up date; warnings acknowledged)──▶ published ──(next version published)──▶ superseded
//! ```

use std::collections::BTreeSet;

use chrono::NaiveDate;
use serde::{Deserialize, Serialize};
use thiserror::Error;
use uuid::Uuid;

use crate::access::AccessBasis;
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

code_set! {
    /// Where one of the client's goals stands.
    GoalStatus, "goal-statuses", "States of a goal in the support plan" {
        Open = "open": "Työn alla", "Pågående", "Open: being worked on";
        Achieved = "achieved": "Saavutettu", "Uppnått", "Achieved";
        PartlyAchieved = "partly_achieved": "Osittain saavutettu", "Delvis uppnått", "Partly achieved";
        NotAchieved = "not_achieved": "Ei saavutettu", "Inte uppnått", "Not achieved";
        Dropped = "dropped": "Luovuttu", "Slopat", "Dropped";
    }
}

/// A goal in the client's own words.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Goal {
    pub id: Uuid,
    pub text: String,
    pub target_on: NaiveDate,
    pub status: GoalStatus,
}

/// Who carries an agreed responsibility or took part in drafting the plan.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(tag = "kind", rename_all = "snake_case", deny_unknown_fields)]
pub enum Party {
    /// The client themself.
    Client,
    Professional {
        professional_id: Uuid,
    },
    Organisation {
        organisation_id: Uuid,
    },
}

/// Who does what, by when ("kuka tekee mitä ja mihin mennessä").
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct AgreedResponsibility {
    pub id: Uuid,
    pub party: Party,
    pub task: String,
    pub due_on: NaiveDate,
}

/// One service in the plan.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct PlannedService {
    pub id: Uuid,
    pub code: ServiceCode,
    pub provider_organisation_id: Uuid,
    /// The provider's professional the client and network contact.
    pub responsible_professional_id: Option<Uuid>,
    pub description: Option<String>,
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
    #[error("only the responsible worker or the work pair drafts and publishes the client's plan")]
    NotKeeper,
    #[error("the client already has a draft plan; edit or publish it")]
    DraftExists,
    #[error(
        "the client's plan has not been shared with your organisation: it needs the client's consent to information exchange"
    )]
    NotShared,
}

/// Only the responsible worker and the work pair draft and publish the plan.
pub fn may_draft(basis: AccessBasis) -> Result<(), PlanError> {
    if basis.holds_responsibility() {
        Ok(())
    } else {
        Err(PlanError::NotKeeper)
    }
}

/// Changes to a draft: each part given replaces that part whole.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct PlanChanges {
    pub goals: Option<Vec<Goal>>,
    /// `Some(None)` clears the client's view.
    pub client_view: Option<Option<String>>,
    pub services: Option<Vec<PlannedService>>,
    pub responsibilities: Option<Vec<AgreedResponsibility>>,
    /// `Some(None)` clears the follow-up date.
    pub follow_up_on: Option<Option<NaiveDate>>,
    pub participants: Option<Vec<Party>>,
    pub other_participants: Option<Vec<String>>,
}

impl PlanChanges {
    /// The content with these changes made.
    pub fn apply(self, mut content: PlanContent) -> PlanContent {
        if let Some(goals) = self.goals {
            content.goals = goals;
        }
        if let Some(view) = self.client_view {
            content.client_view = view;
        }
        if let Some(services) = self.services {
            content.services = services;
        }
        if let Some(responsibilities) = self.responsibilities {
            content.responsibilities = responsibilities;
        }
        if let Some(on) = self.follow_up_on {
            content.follow_up_on = on;
        }
        if let Some(participants) = self.participants {
            content.participants = participants;
        }
        if let Some(others) = self.other_participants {
            content.other_participants = others;
        }
        content
    }
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

/// What a plan version says. A draft's content changes; a published
/// version's never does.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct PlanContent {
    pub goals: Vec<Goal>,
    /// The client's own view of their situation and of the plan.
    pub client_view: Option<String>,
    pub services: Vec<PlannedService>,
    pub responsibilities: Vec<AgreedResponsibility>,
    /// When this is come back to ("milloin tähän palataan").
    pub follow_up_on: Option<NaiveDate>,
    /// Who took part in drafting the plan.
    pub participants: Vec<Party>,
    /// Others who took part, e.g. a relative, in free text.
    pub other_participants: Vec<String>,
}

impl PlanContent {
    /// The overlap rule applied to this content.
    pub fn warnings(&self) -> Vec<Warning> {
        warnings(&self.services)
    }

    /// Every professional the content names, for checking that each exists.
    pub fn professionals(&self) -> BTreeSet<Uuid> {
        let parties = self
            .responsibilities
            .iter()
            .map(|r| &r.party)
            .chain(&self.participants);
        parties
            .filter_map(|p| match p {
                Party::Professional { professional_id } => Some(*professional_id),
                _ => None,
            })
            .chain(
                self.services
                    .iter()
                    .filter_map(|s| s.responsible_professional_id),
            )
            .collect()
    }

    /// Every organisation the content names.
    pub fn organisations(&self) -> BTreeSet<Uuid> {
        let parties = self
            .responsibilities
            .iter()
            .map(|r| &r.party)
            .chain(&self.participants);
        parties
            .filter_map(|p| match p {
                Party::Organisation { organisation_id } => Some(*organisation_id),
                _ => None,
            })
            .chain(self.services.iter().map(|s| s.provider_organisation_id))
            .collect()
    }
}

/// How much of the client's plans a caller who can see the client reads.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PlanReader {
    /// The responsible worker and work pair: every version, drafts too.
    Keeper,
    /// A colleague in the organisation holding responsibility: published versions.
    Colleague,
    /// An organisation covered by the client's information-exchange consent:
    /// published versions, each sharing logged as a disclosure.
    Network,
    /// Anyone else who sees the client: only that a plan exists and who is responsible.
    ExistenceOnly,
}

impl PlanReader {
    /// Whether this reader sees the content of published versions.
    pub fn reads_content(self) -> bool {
        !matches!(self, Self::ExistenceOnly)
    }

    /// Whether this reader sees drafts.
    pub fn sees_drafts(self) -> bool {
        self == Self::Keeper
    }
}

/// What a caller with `basis` to the client reads of the plans kept by
/// `holder_organisation` (the responsible worker's organisation), given the
/// organisations the client's active information-exchange consent covers.
pub fn plan_reader(
    basis: AccessBasis,
    caller_organisation: Uuid,
    holder_organisation: Uuid,
    covered: &BTreeSet<Uuid>,
) -> PlanReader {
    if basis.holds_responsibility() {
        PlanReader::Keeper
    } else if caller_organisation == holder_organisation {
        PlanReader::Colleague
    } else if covered.contains(&caller_organisation) {
        PlanReader::Network
    } else {
        PlanReader::ExistenceOnly
    }
}

#[cfg(test)]
mod tests {

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
            responsible_professional_id: None,
            description: None,
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
    fn who_reads_a_plan() {
        let (holder, network, other) = (Uuid::now_v7(), Uuid::now_v7(), Uuid::now_v7());
        let covered: BTreeSet<Uuid> = [network].into_iter().collect();
        let read = |basis, org| plan_reader(basis, org, holder, &covered);
        assert_eq!(
            read(AccessBasis::ResponsibleWorker, other),
            PlanReader::Keeper
        );
        assert_eq!(read(AccessBasis::WorkPair, network), PlanReader::Keeper);
        assert_eq!(
            read(AccessBasis::OrganisationRelationship, holder),
            PlanReader::Colleague
        );
        assert_eq!(read(AccessBasis::Consent, network), PlanReader::Network);
        assert_eq!(
            read(AccessBasis::OrganisationRelationship, network),
            PlanReader::Network,
            "a relationship does not stand in for consent to see the plan"
        );
        assert_eq!(
            read(AccessBasis::OrganisationRelationship, other),
            PlanReader::ExistenceOnly
        );
        assert!(!PlanReader::ExistenceOnly.reads_content());
        assert!(PlanReader::Keeper.sees_drafts() && !PlanReader::Network.sees_drafts());
    }

    #[test]
    fn content_names_every_professional_and_organisation_it_refers_to() {
        let (pro, org, provider) = (Uuid::now_v7(), Uuid::now_v7(), Uuid::now_v7());
        let content = PlanContent {
            participants: vec![
                Party::Client,
                Party::Professional {
                    professional_id: pro,
                },
            ],
            responsibilities: vec![AgreedResponsibility {
                id: Uuid::now_v7(),
                party: Party::Organisation {
                    organisation_id: org,
                },
                task: "x".into(),
                due_on: day(1),
            }],
            services: vec![service(ServiceCode::Education, provider, 1, None)],
            ..PlanContent::default()
        };
        assert_eq!(content.professionals(), [pro].into_iter().collect());
        assert_eq!(
            content.organisations(),
            [org, provider].into_iter().collect()
        );
    }

    #[test]
    fn changes_replace_only_the_parts_given() {
        let goal = Goal {
            id: Uuid::now_v7(),
            text: "Töihin".into(),
            target_on: day(31),
            status: GoalStatus::Open,
        };
        let content = PlanContent {
            goals: vec![goal.clone()],
            client_view: Some("Jaksan paremmin".into()),
            follow_up_on: Some(day(20)),
            ..PlanContent::default()
        };
        let changed = PlanChanges {
            client_view: Some(None),
            follow_up_on: Some(Some(day(25))),
            ..PlanChanges::default()
        }
        .apply(content);
        assert_eq!(changed.goals, [goal], "goals not given stay");
        assert_eq!(changed.client_view, None);
        assert_eq!(changed.follow_up_on, Some(day(25)));
    }

    #[test]
    fn only_the_responsible_worker_or_work_pair_drafts() {
        assert_eq!(may_draft(AccessBasis::ResponsibleWorker), Ok(()));
        assert_eq!(may_draft(AccessBasis::WorkPair), Ok(()));
        assert_eq!(
            may_draft(AccessBasis::OrganisationRelationship),
            Err(PlanError::NotKeeper)
        );
    }
}
