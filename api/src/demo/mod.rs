//! Demo data following the seeds: Espoo employment services and its
//! work-ability team, Kela, adult social services and an NGO, with synthetic
//! clients whose henkilötunnus use the test range 900–999.
//!
//! Ids are fixed so that tokens and links in docs work on every demo database.

use std::collections::BTreeSet;

use chrono::{DateTime, Utc};
use kyky_domain::entities::{ExternalRef, OrganisationFields, ProfessionalFields};
use kyky_domain::{Actor, OrganisationKind, ProfessionalTitle, Role};
use kyky_persistence::{AuditContext, Db, StoreError, StoreResult, organisations, professionals};
use uuid::Uuid;

mod stories;

use stories::{CLIENTS, load_client, load_stories, load_team};

pub(super) const fn id(n: u128) -> Uuid {
    Uuid::from_u128(0x0000_0000_0000_7000_8000_0000_0000_0000 | n)
}

pub const EMPLOYMENT_ESPOO: Uuid = id(0x101);
pub const HEALTH_CARE: Uuid = id(0x102);
pub const SOCIAL_SERVICES: Uuid = id(0x103);
pub const KELA: Uuid = id(0x104);
pub const NGO: Uuid = id(0x105);
pub const TYP: Uuid = id(0x106);

pub const SOCIAL_COUNSELLOR: Uuid = id(0x201);
pub const OWN_COACH: Uuid = id(0x202);
pub const NURSE: Uuid = id(0x203);
pub const PHYSICIAN: Uuid = id(0x204);
pub const TEAM_SOCIAL_COUNSELLOR: Uuid = id(0x205);
pub const KELA_EXPERT: Uuid = id(0x206);
pub const JOB_COACH: Uuid = id(0x207);
pub const ADMIN: Uuid = id(0x208);
pub const SOFIA_INTEGRATION: Uuid = id(0x209);
pub const AUDITOR: Uuid = id(0x20a);

pub const MATTI: Uuid = id(0x301);
pub const MAIJA: Uuid = id(0x302);
pub const ERKKI: Uuid = id(0x303);
pub const ELLA: Uuid = id(0x304);
pub const ANNA_LENA: Uuid = id(0x305);
pub const AHMED: Uuid = id(0x306);

/// The work-ability team (työkyvyn tuen tiimi), hosted by health care.
pub const TEAM: Uuid = id(0x401);

/// A demo user printed with a token.
#[derive(Debug, Clone, Copy)]
pub struct DemoUser {
    pub id: Uuid,
    pub label: &'static str,
}

pub const USERS: &[DemoUser] = &[
    DemoUser {
        id: SOCIAL_COUNSELLOR,
        label: "Sanna Virtanen, social counsellor, Työllisyys Espoo",
    },
    DemoUser {
        id: OWN_COACH,
        label: "Mikko Korhonen, own coach, Työllisyys Espoo",
    },
    DemoUser {
        id: NURSE,
        label: "Liisa Nieminen, public health nurse, work-ability team (health care)",
    },
    DemoUser {
        id: TEAM_SOCIAL_COUNSELLOR,
        label: "Aino Laine, social counsellor, adult social services",
    },
    DemoUser {
        id: KELA_EXPERT,
        label: "Pekka Heikkinen, Kela expert",
    },
    DemoUser {
        id: ADMIN,
        label: "Kaisa Ylläpito, administrator (no client data)",
    },
    DemoUser {
        id: SOFIA_INTEGRATION,
        label: "Sofia CRM integration account, Työllisyys Espoo",
    },
    DemoUser {
        id: AUDITOR,
        label: "Tarja Tarkastaja, data protection auditor (searches the logs)",
    },
];

fn organisation(
    name: &str,
    kind: OrganisationKind,
    business_id: Option<&str>,
    refs: &[(&str, &str)],
) -> OrganisationFields {
    OrganisationFields {
        name: name.to_owned(),
        kind,
        business_id: business_id.map(str::to_owned),
        municipality: Some("Espoo".to_owned()),
        external_refs: refs
            .iter()
            .map(|(system, id)| ExternalRef {
                system: (*system).into(),
                id: (*id).into(),
            })
            .collect(),
    }
}

fn professional(
    first: &str,
    last: &str,
    title: ProfessionalTitle,
    domain: &str,
    roles: &[Role],
) -> ProfessionalFields {
    ProfessionalFields {
        first_name: first.to_owned(),
        last_name: last.to_owned(),
        title,
        email: Some(format!("{}.{}@{domain}", ascii(first), ascii(last))),
        phone: Some("+358 9 816 20000".to_owned()),
        roles: roles.iter().copied().collect::<BTreeSet<_>>(),
    }
}

fn ascii(name: &str) -> String {
    name.to_lowercase()
        .replace('ä', "a")
        .replace('ö', "o")
        .replace(' ', "")
}

fn actor(professional_id: Uuid, organisation_id: Uuid) -> Actor {
    Actor {
        professional_id,
        organisation_id,
        roles: [Role::Professional].into_iter().collect(),
        teams: std::collections::BTreeSet::new(),
    }
}

/// Loads the demo data into an empty database. Returns `false` (and changes
/// nothing) when the database already has organisations.
pub fn load(db: &Db, now: DateTime<Utc>) -> StoreResult<bool> {
    if !db
        .run(|conn| organisations::list(conn, None, 1))?
        .is_empty()
    {
        return Ok(false);
    }
    db.transaction(|conn| {
        let orgs = [
            (
                EMPLOYMENT_ESPOO,
                organisation(
                    "Työllisyys Espoo",
                    OrganisationKind::MunicipalEmploymentServices,
                    Some("0101263-6"),
                    &[("sofia_crm", "ESP-TYO")],
                ),
            ),
            (
                HEALTH_CARE,
                organisation(
                    "Länsi-Uudenmaan hyvinvointialue, terveyspalvelut (työkyvyn tuen tiimi)",
                    OrganisationKind::HealthCare,
                    None,
                    &[("lifecare", "LU-TK-01")],
                ),
            ),
            (
                SOCIAL_SERVICES,
                organisation(
                    "Länsi-Uudenmaan hyvinvointialue, aikuissosiaalityö",
                    OrganisationKind::SocialServices,
                    None,
                    &[],
                ),
            ),
            (
                KELA,
                organisation(
                    "Kela, Espoon palvelupiste",
                    OrganisationKind::Kela,
                    Some("0246246-0"),
                    &[],
                ),
            ),
            (
                NGO,
                organisation(
                    "Espoon Työpaja ry",
                    OrganisationKind::ThirdSector,
                    None,
                    &[],
                ),
            ),
            (
                TYP,
                organisation(
                    "TYP Espoo",
                    OrganisationKind::Typ,
                    None,
                    &[("typ_registry", "TYP-ESPOO")],
                ),
            ),
        ];
        for (id, fields) in &orgs {
            organisations::insert(conn, *id, fields, now)?;
        }
        let staff = [
            (
                SOCIAL_COUNSELLOR,
                EMPLOYMENT_ESPOO,
                professional(
                    "Sanna",
                    "Virtanen",
                    ProfessionalTitle::SocialCounsellor,
                    "espoo.example",
                    &[Role::Professional],
                ),
            ),
            (
                OWN_COACH,
                EMPLOYMENT_ESPOO,
                professional(
                    "Mikko",
                    "Korhonen",
                    ProfessionalTitle::OwnCoach,
                    "espoo.example",
                    &[Role::Professional],
                ),
            ),
            (
                NURSE,
                HEALTH_CARE,
                professional(
                    "Liisa",
                    "Nieminen",
                    ProfessionalTitle::PublicHealthNurse,
                    "luvn.example",
                    &[Role::Professional],
                ),
            ),
            (
                PHYSICIAN,
                HEALTH_CARE,
                professional(
                    "Juha",
                    "Mäkinen",
                    ProfessionalTitle::Physician,
                    "luvn.example",
                    &[Role::Professional],
                ),
            ),
            (
                TEAM_SOCIAL_COUNSELLOR,
                SOCIAL_SERVICES,
                professional(
                    "Aino",
                    "Laine",
                    ProfessionalTitle::SocialCounsellor,
                    "luvn.example",
                    &[Role::Professional],
                ),
            ),
            (
                KELA_EXPERT,
                KELA,
                professional(
                    "Pekka",
                    "Heikkinen",
                    ProfessionalTitle::KelaExpert,
                    "kela.example",
                    &[Role::Professional],
                ),
            ),
            (
                JOB_COACH,
                NGO,
                professional(
                    "Riikka",
                    "Koskinen",
                    ProfessionalTitle::JobCoach,
                    "tyopaja.example",
                    &[Role::Professional],
                ),
            ),
            (
                ADMIN,
                EMPLOYMENT_ESPOO,
                professional(
                    "Kaisa",
                    "Ylläpito",
                    ProfessionalTitle::Other,
                    "espoo.example",
                    &[Role::Admin],
                ),
            ),
            (
                SOFIA_INTEGRATION,
                EMPLOYMENT_ESPOO,
                professional(
                    "Sofia CRM",
                    "integraatio",
                    ProfessionalTitle::SystemAccount,
                    "espoo.example",
                    &[Role::Integration],
                ),
            ),
            (
                AUDITOR,
                EMPLOYMENT_ESPOO,
                professional(
                    "Tarja",
                    "Tarkastaja",
                    ProfessionalTitle::Other,
                    "espoo.example",
                    &[Role::Auditor],
                ),
            ),
        ];
        for (id, organisation_id, fields) in &staff {
            professionals::insert(conn, *id, *organisation_id, fields, now)?;
        }
        Ok::<_, StoreError>(())
    })?;
    for client in CLIENTS {
        load_client(db, client, now)?;
    }
    load_team(db, now)?;
    load_stories(db, now)?;
    Ok(true)
}

fn demo_context(professional: Uuid, organisation: Uuid, now: DateTime<Utc>) -> AuditContext {
    AuditContext {
        actor: actor(professional, organisation),
        request_id: Some("demo".into()),
        at: now,
        resource: None,
        preloaded: None,
    }
}
