//! Demo data following the seeds: Espoo employment services and its
//! work-ability team, Kela, adult social services and an NGO, with synthetic
//! clients whose henkilötunnus use the test range 900–999.
//!
//! Ids are fixed so that tokens and links in docs work on every demo database.

use std::collections::BTreeSet;

use chrono::{DateTime, NaiveDate, Utc};
use kyky_domain::consent::{ConsentMethod, ConsentPurpose};
use kyky_domain::entities::{
    Address, ClientFields, ExternalRef, OrganisationFields, ProfessionalFields,
};
use kyky_domain::handover::Receiver;
use kyky_domain::plan::{
    Goal, GoalStatus, Party, PlanChanges, PlannedService, ServiceCode, ServiceStatus,
};
use kyky_domain::referral::Urgency;
use kyky_domain::team::{Cadence, Frequency, MeetingDay, TeamKind, TeamRole};
use kyky_domain::{
    Actor, Hetu, Language, OrganisationKind, ProfessionalTitle, RelationshipBasis, Role,
};
use kyky_persistence::client_flow::RelationshipGrounds;
use kyky_persistence::consents::NewConsent;
use kyky_persistence::handover_flow::NewHandover;
use kyky_persistence::referrals::ReferralContent;
use kyky_persistence::teams::{self, TeamFields};
use kyky_persistence::{AuditContext, Db, StoreError, StoreResult, organisations, professionals};
use uuid::Uuid;

const fn id(n: u128) -> Uuid {
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

struct DemoClient {
    id: Uuid,
    born: (i32, u32, u32),
    individual: u16,
    first: &'static str,
    last: &'static str,
    language: Language,
    by: Uuid,
    by_organisation: Uuid,
    /// Organisations that also work with the client, by consent.
    also: &'static [Uuid],
}

const CLIENTS: &[DemoClient] = &[
    DemoClient {
        id: MATTI,
        born: (1985, 3, 14),
        individual: 912,
        first: "Matti",
        last: "Meikäläinen",
        language: Language::Finnish,
        by: SOCIAL_COUNSELLOR,
        by_organisation: EMPLOYMENT_ESPOO,
        also: &[],
    },
    DemoClient {
        id: MAIJA,
        born: (1979, 11, 2),
        individual: 934,
        first: "Maija",
        last: "Mallikas",
        language: Language::Finnish,
        by: SOCIAL_COUNSELLOR,
        by_organisation: EMPLOYMENT_ESPOO,
        also: &[SOCIAL_SERVICES],
    },
    DemoClient {
        id: ERKKI,
        born: (1968, 6, 30),
        individual: 951,
        first: "Erkki",
        last: "Esimerkki",
        language: Language::Finnish,
        by: OWN_COACH,
        by_organisation: EMPLOYMENT_ESPOO,
        also: &[HEALTH_CARE],
    },
    DemoClient {
        id: ELLA,
        born: (2001, 1, 9),
        individual: 967,
        first: "Ella",
        last: "Esimerkki",
        language: Language::Finnish,
        by: OWN_COACH,
        by_organisation: EMPLOYMENT_ESPOO,
        also: &[],
    },
    DemoClient {
        id: ANNA_LENA,
        born: (1990, 8, 21),
        individual: 978,
        first: "Anna-Lena",
        last: "Lindqvist",
        language: Language::Swedish,
        by: SOCIAL_COUNSELLOR,
        by_organisation: EMPLOYMENT_ESPOO,
        also: &[KELA],
    },
    DemoClient {
        id: AHMED,
        born: (1995, 4, 5),
        individual: 989,
        first: "Ahmed",
        last: "Hassan",
        language: Language::English,
        by: TEAM_SOCIAL_COUNSELLOR,
        by_organisation: SOCIAL_SERVICES,
        also: &[],
    },
];

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
    }
}

/// A client, and the organisations that work with them by written consent.
fn load_client(db: &Db, client: &DemoClient, now: DateTime<Utc>) -> StoreResult<()> {
    let (y, m, d) = client.born;
    let born = NaiveDate::from_ymd_opt(y, m, d)
        .ok_or_else(|| StoreError::Corrupt("demo birth date".into()))?;
    let hetu = Hetu::from_parts(born, client.individual)
        .ok_or_else(|| StoreError::Corrupt("demo hetu".into()))?;
    let fields = ClientFields {
        first_name: client.first.to_owned(),
        last_name: client.last.to_owned(),
        email: None,
        phone: Some("040 000 0000".to_owned()),
        address: Some(Address {
            street_address: "Esimerkkikatu 1".into(),
            postal_code: "02100".into(),
            city: "Espoo".into(),
        }),
        preferred_language: client.language,
        // Maija has a non-disclosure marking (turvakielto).
        non_disclosure: client.id == MAIJA,
    };
    let ctx = demo_context(client.by, client.by_organisation, now);
    let grounds = RelationshipGrounds {
        basis: RelationshipBasis::ClientContact,
        reason: Some("Asiakas tuli työllisyyspalveluihin"),
    };
    db.create_or_link_client(&ctx, client.id, &hetu, &fields, None, grounds)?;
    if client.also.is_empty() {
        return Ok(());
    }
    let consent = NewConsent {
        purposes: [ConsentPurpose::InformationExchange].into_iter().collect(),
        organisations: client.also.iter().copied().collect(),
        method: ConsentMethod::Written,
        document_reference: Some(format!("sofia:SUOST-DEMO-{}", client.individual)),
        given_at: now,
        expires_at: None,
    };
    db.record_consent(&ctx, client.id, consent)?;
    for organisation in client.also {
        let grounds = RelationshipGrounds {
            basis: RelationshipBasis::Referral,
            reason: Some("Asiakkuus verkostossa asiakkaan suostumuksella"),
        };
        db.open_relationship(
            &ctx,
            client.id,
            *organisation,
            grounds,
            false,
            now.date_naive(),
        )?;
    }
    Ok(())
}

/// The work-ability team: health care hosts it, members from three organisations.
fn load_team(db: &Db, now: DateTime<Utc>) -> StoreResult<()> {
    let fields = TeamFields {
        name: "Espoon työkyvyn tuen tiimi".into(),
        hosting_organisation_id: HEALTH_CARE,
        description: Some(
            "Moniammatillinen tiimi: terveydenhoitaja, lääkäri, sosiaaliohjaaja".into(),
        ),
        kind: TeamKind::Both,
        cadence: Cadence {
            frequency: Frequency::Weekly,
            weekday: MeetingDay::Tuesday,
            week_of_month: None,
            anchor: None,
        },
        start_time: "09:00".into(),
        duration_minutes: 180,
    };
    db.transaction(|conn| {
        teams::insert(conn, TEAM, &fields, now)?;
        for (member, role) in [
            (NURSE, TeamRole::Chair),
            (PHYSICIAN, TeamRole::Physician),
            (TEAM_SOCIAL_COUNSELLOR, TeamRole::SocialCounsellor),
        ] {
            teams::add_member(conn, TEAM, member, role, now)?;
        }
        Ok(())
    })
}

/// Work in progress, so every story can be walked in Swagger UI: Matti has a
/// published plan with services and a follow-up and consents to a referral;
/// Erkki's referral waits in the team's inbox; Ella's handover to adult
/// social services waits for Aino.
fn load_stories(db: &Db, now: DateTime<Utc>) -> StoreResult<()> {
    let sanna = demo_context(SOCIAL_COUNSELLOR, EMPLOYMENT_ESPOO, now);
    let today = now.date_naive();
    let consent = NewConsent {
        purposes: [
            ConsentPurpose::ReferralToAssessment,
            ConsentPurpose::InformationExchange,
        ]
        .into_iter()
        .collect(),
        organisations: [HEALTH_CARE].into_iter().collect(),
        method: ConsentMethod::Written,
        document_reference: Some("sofia:SUOST-DEMO-1".into()),
        given_at: now,
        expires_at: None,
    };
    db.record_consent(&sanna, MATTI, consent)?;
    let plan = PlanChanges {
        goals: Some(vec![Goal {
            id: id(0x501),
            text: "Haluan jaksaa käydä työpajalla kolmena päivänä viikossa".into(),
            target_on: today + chrono::Days::new(120),
            status: GoalStatus::Open,
        }]),
        client_view: Some(Some("Väsyn nopeasti, mutta haluan yrittää.".into())),
        services: Some(vec![PlannedService {
            id: id(0x502),
            code: ServiceCode::RehabilitativeWorkActivity,
            provider_organisation_id: EMPLOYMENT_ESPOO,
            responsible_professional_id: Some(OWN_COACH),
            description: Some("Työpaja, 3 pv/vko".into()),
            status: ServiceStatus::Active,
            starts_on: today,
            ends_on: Some(today + chrono::Days::new(180)),
            client_confirms_use: Some(true),
        }]),
        responsibilities: None,
        follow_up_on: Some(Some(today + chrono::Days::new(30))),
        participants: Some(vec![
            Party::Client,
            Party::Professional {
                professional_id: SOCIAL_COUNSELLOR,
            },
        ]),
        other_participants: None,
    };
    let draft = db.create_plan(&sanna, MATTI, false, plan)?;
    db.publish_plan(&sanna, draft.id, false)?;

    let mikko = demo_context(OWN_COACH, EMPLOYMENT_ESPOO, now);
    let consent = NewConsent {
        purposes: [ConsentPurpose::ReferralToAssessment].into_iter().collect(),
        organisations: [HEALTH_CARE].into_iter().collect(),
        method: ConsentMethod::Written,
        document_reference: Some("sofia:SUOST-DEMO-3".into()),
        given_at: now,
        expires_at: None,
    };
    db.record_consent(&mikko, ERKKI, consent)?;
    let referral = ReferralContent {
        reason: "Työkyky epäselvä: selkävaivat ja väsymys".into(),
        health_factors: Some("Selkäkipu, uniongelmat".into()),
        social_factors: Some("Asuu yksin, velkoja".into()),
        questions: vec!["Mikä on asiakkaan työkyky nyt?".into()],
        attachments: Vec::new(),
        urgency: Urgency::Normal,
    };
    db.create_referral(&mikko, ERKKI, TEAM, &referral, true)?;

    let handover = NewHandover {
        receiver: Receiver::Professional(TEAM_SOCIAL_COUNSELLOR),
        summary: "Ella tarvitsee aikuissosiaalityön tukea asumiseen".into(),
        reason: "Sosiaalisen kuntoutuksen tarve".into(),
        package: Vec::new(),
        network_meeting_id: None,
        return_to_referrer: false,
        work_pair: None,
        expires_at: None,
    };
    db.propose_handover(&mikko, ELLA, handover)?;
    Ok(())
}
