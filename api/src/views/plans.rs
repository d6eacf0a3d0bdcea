//! What the API answers about support plans and their summaries.

use chrono::{DateTime, NaiveDate, Utc};
use kyky_domain::Language;
use kyky_domain::plan::{
    GoalStatus, Party, PlanReader, PlanStatus, ServiceCode, ServiceStatus, WarningCode,
};
use kyky_domain::plan_summary::{self, Contact, Doer, ResponsibilityLine, ServiceLine, Summary};
use kyky_persistence::plan_flow::PlanRead;
use kyky_persistence::plans::PlanRecord;
use kyky_persistence::{DbConnection, StoreResult, clients, organisations, professionals};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;
use uuid::Uuid;
use validator::Validate;

use crate::views::cards::{OrganisationRef, ProfessionalCard, organisation_ref, professional_card};

/// A service in the plan.
#[derive(Debug, Serialize, ToSchema)]
pub struct ServiceView {
    pub id: Uuid,
    pub code: ServiceCode,
    pub provider: OrganisationRef,
    pub responsible_professional: Option<ProfessionalCard>,
    /// What the service is for this client.
    pub description: Option<String>,
    pub status: ServiceStatus,
    /// First day of the service (ISO 8601 date).
    pub starts_on: NaiveDate,
    /// Last day; null while it continues.
    pub ends_on: Option<NaiveDate>,
    /// Whether the client says they actually use it; `false` raises a warning; null: not asked.
    pub client_confirms_use: Option<bool>,
}

/// A warning of the overlap rule, with the services it concerns.
#[derive(Debug, Serialize, ToSchema)]
pub struct WarningView {
    pub code: WarningCode,
    /// Ids of the services the warning concerns.
    pub services: Vec<Uuid>,
}

/// What a plan version says.
#[derive(Debug, Serialize, ToSchema)]
pub struct PlanContentView {
    /// The client's goals.
    pub goals: Vec<GoalDto>,
    /// The client's own view of their situation and the plan.
    pub client_view: Option<String>,
    /// The services agreed, with their providers and dates.
    pub services: Vec<ServiceView>,
    /// Who does what, by when.
    pub responsibilities: Vec<ResponsibilityDto>,
    /// When the plan is come back to (milloin tähän palataan).
    pub follow_up_on: Option<NaiveDate>,
    /// Who took part in drafting the plan.
    pub participants: Vec<Party>,
    /// Others who took part, e.g. a relative.
    pub other_participants: Vec<String>,
    /// Open warnings of the overlap rule; publishing with any needs `acknowledge_warnings`.
    pub warnings: Vec<WarningView>,
}

/// A plan version. `content` is present only for those the plan is shared
/// with; everyone who sees the client sees that it exists and who is responsible.
#[derive(Debug, Serialize, ToSchema)]
pub struct PlanView {
    pub id: Uuid,
    pub client_id: Uuid,
    /// 1, 2, 3 … per client.
    #[schema(minimum = 1)]
    pub version: i32,
    pub status: PlanStatus,
    pub responsible_worker: ProfessionalCard,
    /// Whether the plan's content is shared with you.
    pub readable: bool,
    pub content: Option<PlanContentView>,
    /// Whether the publisher acknowledged the warnings (overlapping or unused services) when publishing.
    pub warnings_acknowledged: bool,
    /// The published version this draft was started from; null for a client's first plan.
    pub based_on: Option<Uuid>,
    pub created_at: DateTime<Utc>,
    pub created_by: Uuid,
    pub updated_at: DateTime<Utc>,
    pub published_at: Option<DateTime<Utc>>,
    pub published_by: Option<Uuid>,
    pub superseded_at: Option<DateTime<Utc>>,
    /// The version that replaced this one; null while it is current.
    pub superseded_by: Option<Uuid>,
}

pub fn content_view(conn: &mut DbConnection, record: &PlanRecord) -> StoreResult<PlanContentView> {
    let content = &record.content;
    let services = content
        .services
        .iter()
        .map(|s| {
            Ok(ServiceView {
                id: s.id,
                code: s.code,
                provider: organisation_ref(conn, s.provider_organisation_id)?,
                responsible_professional: s
                    .responsible_professional_id
                    .map(|id| professional_card(conn, id))
                    .transpose()?,
                description: s.description.clone(),
                status: s.status,
                starts_on: s.starts_on,
                ends_on: s.ends_on,
                client_confirms_use: s.client_confirms_use,
            })
        })
        .collect::<StoreResult<_>>()?;
    Ok(PlanContentView {
        goals: content
            .goals
            .iter()
            .map(|g| GoalDto {
                id: Some(g.id),
                text: g.text.clone(),
                target_on: g.target_on,
                status: g.status,
            })
            .collect(),
        client_view: content.client_view.clone(),
        services,
        responsibilities: content
            .responsibilities
            .iter()
            .map(|r| ResponsibilityDto {
                id: Some(r.id),
                party: r.party,
                task: r.task.clone(),
                due_on: r.due_on,
            })
            .collect(),
        follow_up_on: content.follow_up_on,
        participants: content.participants.clone(),
        other_participants: content.other_participants.clone(),
        warnings: content
            .warnings()
            .into_iter()
            .map(|w| WarningView {
                code: w.code,
                services: w.services,
            })
            .collect(),
    })
}

pub fn plan_view(conn: &mut DbConnection, read: PlanRead) -> StoreResult<(i64, PlanView)> {
    let PlanRead {
        record,
        reader,
        responsible,
    } = read;
    let content = if reader.reads_content() {
        Some(content_view(conn, &record)?)
    } else {
        None
    };
    let view = PlanView {
        id: record.id,
        client_id: record.client_id,
        version: record.number,
        status: record.status,
        responsible_worker: professional_card(conn, responsible)?,
        readable: content.is_some(),
        content,
        warnings_acknowledged: record.warnings_acknowledged,
        based_on: record.based_on,
        created_at: record.created_at,
        created_by: record.created_by,
        updated_at: record.updated_at,
        published_at: record.published_at,
        published_by: record.published_by,
        superseded_at: record.superseded_at,
        superseded_by: record.superseded_by,
    };
    Ok((record.revision, view))
}

/// What the keeper of the plan reads after changing it.
pub fn kept(record: PlanRecord, responsible: Uuid) -> PlanRead {
    PlanRead {
        record,
        reader: PlanReader::Keeper,
        responsible,
    }
}

/// A version in the list of a client's plans.
#[derive(Debug, Serialize, ToSchema)]
pub struct PlanVersionItem {
    pub id: Uuid,
    /// The version number: 1 for the first, one more for each new version.
    #[schema(minimum = 1)]
    pub version: i32,
    pub status: PlanStatus,
    pub created_at: DateTime<Utc>,
    pub published_at: Option<DateTime<Utc>>,
    pub superseded_at: Option<DateTime<Utc>>,
    /// Present for those the plan is shared with.
    pub follow_up_on: Option<NaiveDate>,
}

/// The client's plan versions.
#[derive(Debug, Serialize, ToSchema)]
pub struct PlanVersions {
    pub responsible_worker: ProfessionalCard,
    /// Whether the plans' content is shared with you.
    pub readable: bool,
    /// Newest first.
    pub items: Vec<PlanVersionItem>,
    /// Pass as `cursor` to get the next page; absent on the last page.
    pub next_cursor: Option<String>,
}

pub fn summary_of(
    conn: &mut DbConnection,
    read: PlanRead,
    lang: Option<Language>,
) -> StoreResult<Option<Summary>> {
    if !read.reader.reads_content() {
        return Ok(None);
    }
    let content = read.record.content;
    let language = match lang {
        Some(language) => language,
        None => {
            clients::get(conn, read.record.client_id)?
                .fields
                .preferred_language
        }
    };
    let services = content
        .services
        .iter()
        .map(|s| {
            Ok(ServiceLine {
                code: s.code,
                status: s.status,
                provider: organisations::get(conn, s.provider_organisation_id)?.name,
                contact: s
                    .responsible_professional_id
                    .map(|id| contact_of(conn, id))
                    .transpose()?,
                starts_on: s.starts_on,
                ends_on: s.ends_on,
            })
        })
        .collect::<StoreResult<_>>()?;
    let responsibilities = content
        .responsibilities
        .iter()
        .map(|r| {
            let doer = match r.party {
                Party::Client => Doer::Client,
                Party::Professional { professional_id } => {
                    Doer::Named(contact_of(conn, professional_id)?.name)
                }
                Party::Organisation { organisation_id } => {
                    Doer::Named(organisations::get(conn, organisation_id)?.name)
                }
            };
            Ok(ResponsibilityLine {
                doer,
                task: r.task.clone(),
                due_on: r.due_on,
            })
        })
        .collect::<StoreResult<_>>()?;
    let input = plan_summary::SummaryInput {
        version: read.record.number,
        client_view: content.client_view,
        goals: content.goals,
        services,
        responsibilities,
        responsible_worker: contact_of(conn, read.responsible)?,
        follow_up_on: content.follow_up_on,
    };
    Ok(Some(plan_summary::render(&input, language)))
}

/// A goal in the client's own words.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema, Validate)]
#[serde(deny_unknown_fields)]
pub struct GoalDto {
    /// Kept across versions; leave out for a new goal.
    pub id: Option<Uuid>,
    /// The goal, in the client's words.
    #[validate(
        length(min = 1, max = 2000),
        custom(function = "crate::validation::not_blank")
    )]
    #[schema(
        example = "Haluan jaksaa käydä töissä kolmena päivänä viikossa",
        min_length = 1,
        max_length = 2000
    )]
    pub text: String,
    /// The day the goal is to be met by (ISO 8601 date).
    pub target_on: NaiveDate,
    #[serde(default = "open_goal")]
    pub status: GoalStatus,
}

/// Who does what, by when.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema, Validate)]
#[serde(deny_unknown_fields)]
pub struct ResponsibilityDto {
    /// Kept across versions; leave out for a new one.
    pub id: Option<Uuid>,
    pub party: Party,
    /// What is to be done.
    #[validate(
        length(min = 1, max = 2000),
        custom(function = "crate::validation::not_blank")
    )]
    #[schema(
        example = "Varaa ajan työterveyslääkärille",
        min_length = 1,
        max_length = 2000
    )]
    pub task: String,
    /// The day it is to be done by (ISO 8601 date).
    pub due_on: NaiveDate,
}

pub fn contact_of(conn: &mut DbConnection, professional: Uuid) -> StoreResult<Contact> {
    let p = professionals::get(conn, professional)?;
    Ok(Contact {
        name: format!("{} {}", p.fields.first_name, p.fields.last_name),
        organisation: organisations::get(conn, p.organisation_id)?.name,
        phone: p.fields.phone,
        email: p.fields.email,
    })
}

pub fn open_goal() -> GoalStatus {
    GoalStatus::Open
}
