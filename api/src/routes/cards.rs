//! Small read models shared by several resources.

use chrono::NaiveDate;
use kyky_domain::plan::FollowUpSource;
use kyky_domain::{Language, OrganisationKind, ProfessionalTitle};
use kyky_persistence::follow_ups::FollowUpRecord;
use kyky_persistence::{DbConnection, StoreResult, clients, organisations, professionals};
use serde::Serialize;
use utoipa::ToSchema;
use uuid::Uuid;

/// The organisation side of a relationship or a queue.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct OrganisationRef {
    pub id: Uuid,
    /// The organisation's name.
    #[schema(example = "Työllisyys Espoo")]
    pub name: String,
    pub kind: OrganisationKind,
}

pub fn organisation_ref(conn: &mut DbConnection, id: Uuid) -> StoreResult<OrganisationRef> {
    let o = organisations::get(conn, id)?;
    Ok(OrganisationRef {
        id: o.id,
        name: o.name,
        kind: o.kind,
    })
}

/// A work-ability team, by name.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct TeamRef {
    pub id: Uuid,
    /// The team's name.
    #[schema(example = "Espoon työkykytiimi")]
    pub name: String,
}

pub fn team_ref(conn: &mut DbConnection, id: Uuid) -> StoreResult<TeamRef> {
    let team = kyky_persistence::teams::get(conn, id)?;
    Ok(TeamRef {
        id: team.id,
        name: team.fields.name,
    })
}

/// Who a professional is and how to reach them: "all actors must know who the
/// responsible worker is".
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct ProfessionalCard {
    pub id: Uuid,
    #[schema(example = "Sanna")]
    pub first_name: String,
    #[schema(example = "Virtanen")]
    pub last_name: String,
    pub title: ProfessionalTitle,
    pub email: Option<String>,
    pub phone: Option<String>,
    /// Whether the professional may still work in Kyky (deactivated accounts stay named in history).
    pub active: bool,
    pub organisation: OrganisationRef,
}

pub fn professional_card(conn: &mut DbConnection, id: Uuid) -> StoreResult<ProfessionalCard> {
    let p = professionals::get(conn, id)?;
    Ok(ProfessionalCard {
        id: p.id,
        first_name: p.fields.first_name,
        last_name: p.fields.last_name,
        title: p.fields.title,
        email: p.fields.email,
        phone: p.fields.phone,
        active: p.active,
        organisation: organisation_ref(conn, p.organisation_id)?,
    })
}

/// A client's basic details: what a handover's receiver sees before accepting.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct ClientBasics {
    pub id: Uuid,
    pub first_name: String,
    pub last_name: String,
    #[schema(example = "010594Y9***")]
    pub personal_identity_code_masked: String,
    pub preferred_language: Language,
}

impl ClientBasics {
    pub fn of(c: kyky_domain::entities::Client) -> Self {
        Self {
            id: c.id,
            personal_identity_code_masked: c.hetu.masked(),
            first_name: c.fields.first_name,
            last_name: c.fields.last_name,
            preferred_language: c.fields.preferred_language,
        }
    }
}

pub fn client_basics(conn: &mut DbConnection, id: Uuid) -> StoreResult<ClientBasics> {
    Ok(ClientBasics::of(clients::get(conn, id)?))
}

/// A follow-up in brief: what moves to a handover's receiver.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct FollowUpBrief {
    pub id: Uuid,
    pub source: FollowUpSource,
    /// What is to be checked or done; empty for the plan's own follow-up date.
    #[schema(example = "Soita asiakkaalle työkokeilun aloituksesta")]
    pub description: String,
    /// The day it is due (ISO 8601 date).
    pub due_on: NaiveDate,
}

pub fn follow_up_brief(record: FollowUpRecord) -> FollowUpBrief {
    FollowUpBrief {
        id: record.id,
        source: record.source,
        description: record.description,
        due_on: record.due_on,
    }
}
