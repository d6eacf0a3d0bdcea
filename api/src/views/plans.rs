//! What the API answers about support plans and their summaries.

use chrono::{DateTime, NaiveDate, Utc};
use kyky_domain::Language;
use kyky_domain::plan::{
    GoalStatus, Party, PlanContent, PlanReader, PlanStatus, ServiceCode, ServiceStatus, WarningCode,
};
use kyky_domain::plan_summary::{self, Contact, Doer, ResponsibilityLine, ServiceLine, Summary};
use kyky_persistence::plan_flow::PlanRead;
use kyky_persistence::plans::PlanRecord;
use kyky_persistence::{DbConnection, StoreResult, clients};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;
use uuid::Uuid;
use validator::Validate;

use crate::views::cards::{Directory, OrganisationRef, ProfessionalCard, professional_card};

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

/// The cards a plan's content names (its services' providers and
/// responsible professionals, the parties of its responsibilities, and
/// `also`), in one or two queries however long the plan.
fn named_in(
    conn: &mut DbConnection,
    content: &PlanContent,
    also: Option<Uuid>,
) -> StoreResult<Directory> {
    let mut professionals: Vec<Uuid> = also.into_iter().collect();
    let mut organisations = Vec::new();
    for service in &content.services {
        organisations.push(service.provider_organisation_id);
        professionals.extend(service.responsible_professional_id);
    }
    for responsibility in &content.responsibilities {
        match responsibility.party {
            Party::Client => {}
            Party::Professional { professional_id } => professionals.push(professional_id),
            Party::Organisation { organisation_id } => organisations.push(organisation_id),
        }
    }
    Directory::load(conn, Vec::new(), professionals, organisations, Vec::new())
}

pub fn content_view(conn: &mut DbConnection, record: &PlanRecord) -> StoreResult<PlanContentView> {
    let content = &record.content;
    let named = named_in(conn, content, None)?;
    let services = content
        .services
        .iter()
        .map(|s| {
            Ok(ServiceView {
                id: s.id,
                code: s.code,
                provider: named.organisation(s.provider_organisation_id)?,
                responsible_professional: s
                    .responsible_professional_id
                    .map(|id| named.professional(id))
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
    let named = named_in(conn, &content, Some(read.responsible))?;
    let contact = |id: Uuid| named.professional(id).map(contact_of_card);
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
                provider: named.organisation(s.provider_organisation_id)?.name,
                contact: s.responsible_professional_id.map(contact).transpose()?,
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
                    Doer::Named(contact(professional_id)?.name)
                }
                Party::Organisation { organisation_id } => {
                    Doer::Named(named.organisation(organisation_id)?.name)
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
        responsible_worker: contact(read.responsible)?,
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

/// How the client's summary names a professional.
fn contact_of_card(card: ProfessionalCard) -> Contact {
    Contact {
        name: format!("{} {}", card.first_name, card.last_name),
        organisation: card.organisation.name,
        phone: card.phone,
        email: card.email,
    }
}

pub fn open_goal() -> GoalStatus {
    GoalStatus::Open
}
