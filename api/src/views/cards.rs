//! Small read models shared by several resources.

use std::collections::HashMap;

use chrono::NaiveDate;
use kyky_domain::follow_up::FollowUpSource;
use kyky_domain::{Language, OrganisationKind, ProfessionalTitle};
use kyky_persistence::follow_ups::FollowUpRecord;
use kyky_persistence::{
    DbConnection, StoreError, StoreResult, clients, organisations, professionals, teams,
};
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

/// A work-ability team, by name.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct TeamRef {
    pub id: Uuid,
    /// The team's name.
    #[schema(example = "Espoon työkykytiimi")]
    pub name: String,
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

/// A professional's card: one joined query.
pub fn professional_card(conn: &mut DbConnection, id: Uuid) -> StoreResult<ProfessionalCard> {
    Ok(ProfessionalCard::of(professionals::get_with_organisation(
        conn, id,
    )?))
}

/// A professional's card, read only when `known` is not theirs (`known` is
/// the caller's own record, loaded with the caller).
pub fn card_knowing(
    conn: &mut DbConnection,
    id: Uuid,
    known: &professionals::WithOrganisation,
) -> StoreResult<ProfessionalCard> {
    if known.professional.id == id {
        return Ok(ProfessionalCard::of(known.clone()));
    }
    professional_card(conn, id)
}

impl ProfessionalCard {
    /// The card of a professional read with their organisation.
    pub fn of(found: professionals::WithOrganisation) -> Self {
        let p = found.professional;
        Self {
            id: p.id,
            first_name: p.fields.first_name,
            last_name: p.fields.last_name,
            title: p.fields.title,
            email: p.fields.email,
            phone: p.fields.phone,
            active: p.active,
            organisation: OrganisationRef {
                id: p.organisation_id,
                name: found.organisation_name,
                kind: found.organisation_kind,
            },
        }
    }
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

/// The one view a batch of one made.
pub fn only<T>(views: StoreResult<Vec<T>>) -> StoreResult<T> {
    views?.pop().ok_or(StoreError::NotFound)
}

/// The cards a page of views shows, loaded one query per kind (teams,
/// professionals, organisations, clients) instead of one per row.
#[derive(Debug, Default)]
pub struct Directory {
    clients: HashMap<Uuid, ClientBasics>,
    professionals: HashMap<Uuid, ProfessionalCard>,
    organisations: HashMap<Uuid, OrganisationRef>,
    /// Each team with the organisation hosting it.
    teams: HashMap<Uuid, (TeamRef, Uuid)>,
}

fn distinct(mut ids: Vec<Uuid>) -> Vec<Uuid> {
    ids.sort_unstable();
    ids.dedup();
    ids
}

impl Directory {
    /// Loads these records' cards; each professional's and team's
    /// organisation comes along.
    pub fn load(
        conn: &mut DbConnection,
        client_ids: Vec<Uuid>,
        professional_ids: Vec<Uuid>,
        organisation_ids: Vec<Uuid>,
        team_ids: Vec<Uuid>,
    ) -> StoreResult<Self> {
        Self::load_knowing(
            conn,
            client_ids,
            professional_ids,
            organisation_ids,
            team_ids,
            (Vec::new(), Vec::new()),
        )
    }

    /// `load`, where the cards of the professionals and clients already
    /// `known` (as a use case's transaction read them) are not read again.
    pub fn load_knowing(
        conn: &mut DbConnection,
        client_ids: Vec<Uuid>,
        professional_ids: Vec<Uuid>,
        organisation_ids: Vec<Uuid>,
        team_ids: Vec<Uuid>,
        (known_professionals, known_clients): (
            Vec<professionals::WithOrganisation>,
            Vec<kyky_domain::entities::Client>,
        ),
    ) -> StoreResult<Self> {
        let found_teams = teams::get_many(conn, &distinct(team_ids))?;
        // Professionals come with their organisations; only the others are
        // read on their own (none for most views).
        let mut unknown = distinct(professional_ids);
        unknown.retain(|id| !known_professionals.iter().any(|p| p.professional.id == *id));
        let mut people = professionals::get_many_with_organisation(conn, &unknown)?;
        people.extend(known_professionals);
        let mut organisations: HashMap<Uuid, OrganisationRef> = people
            .iter()
            .map(|p| {
                let id = p.professional.organisation_id;
                let (name, kind) = (p.organisation_name.clone(), p.organisation_kind);
                (id, OrganisationRef { id, name, kind })
            })
            .collect();
        let mut places = organisation_ids;
        places.extend(found_teams.iter().map(|t| t.fields.hosting_organisation_id));
        places.retain(|id| !organisations.contains_key(id));
        organisations.extend(
            organisations::briefs(conn, &distinct(places))?
                .into_iter()
                .map(|(id, name, kind)| (id, OrganisationRef { id, name, kind })),
        );
        let mut professionals = HashMap::with_capacity(people.len());
        for p in people.into_iter().map(|p| p.professional) {
            let organisation = organisations
                .get(&p.organisation_id)
                .cloned()
                .ok_or(StoreError::NotFound)?;
            professionals.insert(
                p.id,
                ProfessionalCard {
                    id: p.id,
                    first_name: p.fields.first_name,
                    last_name: p.fields.last_name,
                    title: p.fields.title,
                    email: p.fields.email,
                    phone: p.fields.phone,
                    active: p.active,
                    organisation,
                },
            );
        }
        let mut unknown = distinct(client_ids);
        unknown.retain(|id| !known_clients.iter().any(|c| c.id == *id));
        let clients = clients::get_many(conn, &unknown)?
            .into_iter()
            .chain(known_clients)
            .map(|c| (c.id, ClientBasics::of(c)))
            .collect();
        let teams = found_teams
            .into_iter()
            .map(|t| {
                let host = t.fields.hosting_organisation_id;
                let team = TeamRef {
                    id: t.id,
                    name: t.fields.name,
                };
                (t.id, (team, host))
            })
            .collect();
        Ok(Self {
            clients,
            professionals,
            organisations,
            teams,
        })
    }

    pub fn client(&self, id: Uuid) -> StoreResult<ClientBasics> {
        self.clients.get(&id).cloned().ok_or(StoreError::NotFound)
    }

    pub fn professional(&self, id: Uuid) -> StoreResult<ProfessionalCard> {
        self.professionals
            .get(&id)
            .cloned()
            .ok_or(StoreError::NotFound)
    }

    pub fn organisation(&self, id: Uuid) -> StoreResult<OrganisationRef> {
        self.organisations
            .get(&id)
            .cloned()
            .ok_or(StoreError::NotFound)
    }

    pub fn team(&self, id: Uuid) -> StoreResult<TeamRef> {
        self.teams
            .get(&id)
            .map(|(team, _)| team.clone())
            .ok_or(StoreError::NotFound)
    }

    /// The organisation hosting the team.
    pub fn team_host(&self, id: Uuid) -> StoreResult<OrganisationRef> {
        let (_, host) = self.teams.get(&id).ok_or(StoreError::NotFound)?;
        self.organisation(*host)
    }
}
