//! The demo's clients, their team and their stories, drawn from the seeds.

use chrono::{DateTime, NaiveDate, Utc};
use kyky_domain::consent::{ConsentMethod, ConsentPurpose};
use kyky_domain::entities::{Address, ClientFields};
use kyky_domain::handover::Receiver;
use kyky_domain::plan::{
    Goal, GoalStatus, Party, PlanChanges, PlannedService, ServiceCode, ServiceStatus,
};
use kyky_domain::referral::Urgency;
use kyky_domain::team::{Cadence, Frequency, MeetingDay, TeamKind, TeamRole};
use kyky_domain::{Hetu, Language, RelationshipBasis};
use kyky_persistence::client_flow::RelationshipGrounds;
use kyky_persistence::consents::NewConsent;
use kyky_persistence::handover_flow::NewHandover;
use kyky_persistence::referrals::ReferralContent;
use kyky_persistence::teams::{self, TeamFields};
use kyky_persistence::{Db, StoreError, StoreResult};
use uuid::Uuid;

use super::{
    AHMED, ANNA_LENA, ELLA, EMPLOYMENT_ESPOO, ERKKI, HEALTH_CARE, KELA, MAIJA, MATTI, NURSE,
    OWN_COACH, PHYSICIAN, SOCIAL_COUNSELLOR, SOCIAL_SERVICES, TEAM, TEAM_SOCIAL_COUNSELLOR,
    demo_context, id,
};

pub(super) struct DemoClient {
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

pub(super) const CLIENTS: &[DemoClient] = &[
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

/// A client, and the organisations that work with them by written consent.
pub(super) fn load_client(db: &Db, client: &DemoClient, now: DateTime<Utc>) -> StoreResult<()> {
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
pub(super) fn load_team(db: &Db, now: DateTime<Utc>) -> StoreResult<()> {
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
pub(super) fn load_stories(db: &Db, now: DateTime<Utc>) -> StoreResult<()> {
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
