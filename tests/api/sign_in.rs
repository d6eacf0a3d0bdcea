//! Sign-in through each organisation's identity provider. A test identity
//! provider runs in the test: its keys are made here, its key set (JWKS) is
//! served on a local port or written to a file, and it signs the tokens.

use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};

use actix_web::{App, HttpResponse, HttpServer, web};
use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use chrono::Utc;
use jsonwebtoken::{Algorithm, EncodingKey, Header};
use kyky_api::auth::Auth;
use kyky_api::trusted_issuers::{
    IssuerSettings, Provisioning, SubjectClaim, TrustedIssuers, TrustedIssuersFile,
};
use kyky_domain::entities::OrganisationFields;
use kyky_domain::{OrganisationKind, ProfessionalTitle, Role};
use kyky_persistence::{StoreError, organisations, professionals, sign_in_identities};
use reqwest::StatusCode;
use serde_json::{Value, json};
use uuid::Uuid;

use crate::helpers::{
    SECRET, Spawn, TestApp, expect_problem, mint, professional_fields, spawn_with,
};

fn b64(bytes: &[u8]) -> String {
    URL_SAFE_NO_PAD.encode(bytes)
}

/// A signing key of the test provider, with its public JWK.
struct Key {
    kid: String,
    algorithm: Algorithm,
    signing: EncodingKey,
    jwk: Value,
}

impl Key {
    fn rsa(kid: &str) -> (Self, Vec<u8>) {
        use rsa::pkcs1::{EncodeRsaPrivateKey, EncodeRsaPublicKey};
        use rsa::traits::PublicKeyParts;
        let private = rsa::RsaPrivateKey::new(&mut rsa::rand_core::OsRng, 2048).unwrap();
        let der = private.to_pkcs1_der().unwrap();
        let public_pem = private
            .to_public_key()
            .to_pkcs1_pem(rsa::pkcs1::LineEnding::LF)
            .unwrap();
        let key = Self {
            kid: kid.to_owned(),
            algorithm: Algorithm::RS256,
            signing: EncodingKey::from_rsa_der(der.as_bytes()),
            jwk: json!({"kty": "RSA", "kid": kid, "use": "sig", "alg": "RS256",
                "n": b64(&private.n().to_bytes_be()), "e": b64(&private.e().to_bytes_be())}),
        };
        (key, public_pem.into_bytes())
    }

    fn ec(kid: &str) -> Self {
        use p256::elliptic_curve::sec1::ToEncodedPoint;
        use p256::pkcs8::EncodePrivateKey;
        let secret = p256::SecretKey::random(&mut p256::elliptic_curve::rand_core::OsRng);
        let point = secret.public_key().to_encoded_point(false);
        Self {
            kid: kid.to_owned(),
            algorithm: Algorithm::ES256,
            signing: EncodingKey::from_ec_der(secret.to_pkcs8_der().unwrap().as_bytes()),
            jwk: json!({"kty": "EC", "kid": kid, "crv": "P-256", "use": "sig",
                "x": b64(point.x().unwrap()), "y": b64(point.y().unwrap())}),
        }
    }

    fn ed(kid: &str) -> Self {
        use ed25519_dalek::pkcs8::EncodePrivateKey;
        let signing = ed25519_dalek::SigningKey::from_bytes(&rand::random());
        Self {
            kid: kid.to_owned(),
            algorithm: Algorithm::EdDSA,
            signing: EncodingKey::from_ed_der(signing.to_pkcs8_der().unwrap().as_bytes()),
            jwk: json!({"kty": "OKP", "kid": kid, "crv": "Ed25519", "use": "sig",
                "x": b64(signing.verifying_key().as_bytes())}),
        }
    }

    fn sign(&self, claims: &Value) -> String {
        let mut header = Header::new(self.algorithm);
        header.kid = Some(self.kid.clone());
        jsonwebtoken::encode(&header, claims, &self.signing).unwrap()
    }
}

/// The test provider's key set, served at `url` (every fetch counted).
struct KeyServer {
    url: String,
    published: Arc<Mutex<Value>>,
    fetches: Arc<AtomicUsize>,
}

impl KeyServer {
    fn start(keys: &[&Key]) -> Self {
        let published = Arc::new(Mutex::new(key_set(keys)));
        let fetches = Arc::new(AtomicUsize::new(0));
        let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
        let url = format!("http://{}/keys", listener.local_addr().unwrap());
        let (keys_in, fetches_in) = (published.clone(), fetches.clone());
        std::thread::spawn(move || {
            actix_web::rt::System::new().block_on(async move {
                HttpServer::new(move || {
                    let (keys, fetches) = (keys_in.clone(), fetches_in.clone());
                    App::new().default_service(web::to(move || {
                        fetches.fetch_add(1, Ordering::SeqCst);
                        let body = keys.lock().unwrap().clone();
                        async move { HttpResponse::Ok().json(body) }
                    }))
                })
                .workers(1)
                .listen(listener)
                .unwrap()
                .run()
                .await
                .unwrap();
            });
        });
        Self {
            url,
            published,
            fetches,
        }
    }

    fn publish(&self, keys: &[&Key]) {
        *self.published.lock().unwrap() = key_set(keys);
    }

    fn fetches(&self) -> usize {
        self.fetches.load(Ordering::SeqCst)
    }
}

fn key_set(keys: &[&Key]) -> Value {
    json!({"keys": keys.iter().map(|k| k.jwk.clone()).collect::<Vec<_>>()})
}

const ESPOO_ISSUER: &str = "https://login.espoo.test/tenant/v2.0";
const VANTAA_ISSUER: &str = "https://tunnistus.vantaa.test";
const AUDIENCE: &str = "api://kyky";

/// Claims of a token `issuer` gives a person, valid for an hour, with the
/// app role `professional`.
fn claims(issuer: &str, subject: (&str, &str)) -> Value {
    let now = Utc::now().timestamp();
    let mut claims = json!({"iss": issuer, "aud": AUDIENCE, "iat": now, "nbf": now - 5,
        "exp": now + 3600, "given_name": "Ville", "family_name": "Virtanen",
        "roles": ["professional"]});
    claims[subject.0] = json!(subject.1);
    claims
}

/// Espoo signs in with keys at a URL, identifying people by `oid`; Vantaa
/// with a key file, by `sub`, creating professionals on first sign-in.
struct Providers {
    app: TestApp,
    espoo: Uuid,
    vantaa: Uuid,
    espoo_rsa: Key,
    espoo_rsa_public_pem: Vec<u8>,
    espoo_ed: Key,
    vantaa_ec: Key,
    espoo_keys: KeyServer,
    /// Anna of Espoo, linked to Espoo's `oid` `anna-oid`.
    anna: Uuid,
    _key_file: tempfile_path::Removed,
}

mod tempfile_path {
    /// A file or directory removed when dropped.
    pub struct Removed(pub std::path::PathBuf);
    impl Drop for Removed {
        fn drop(&mut self) {
            let _ = std::fs::remove_file(&self.0);
            let _ = std::fs::remove_dir_all(&self.0);
        }
    }
}

impl Providers {
    async fn start(accept_own_tokens: bool) -> Self {
        let spawn = Spawn::new();
        spawn.db.migrate().unwrap();
        let now = Utc::now();
        let organisation = |name: &str| OrganisationFields {
            name: name.into(),
            kind: OrganisationKind::MunicipalEmploymentServices,
            business_id: None,
            municipality: None,
            external_refs: vec![],
        };
        let (espoo, vantaa, anna) = spawn
            .db
            .transaction(|conn| {
                let espoo =
                    organisations::insert(conn, Uuid::now_v7(), &organisation("Espoo"), now)?;
                let vantaa =
                    organisations::insert(conn, Uuid::now_v7(), &organisation("Vantaa"), now)?;
                let fields =
                    professional_fields("Anna", ProfessionalTitle::OwnCoach, &[Role::Professional]);
                let anna = professionals::insert(conn, Uuid::now_v7(), espoo.id, &fields, now)?;
                sign_in_identities::link(conn, ESPOO_ISSUER, "anna-oid", anna.id, now)?;
                Ok::<_, StoreError>((espoo.id, vantaa.id, anna.id))
            })
            .unwrap();
        let (espoo_rsa, espoo_rsa_public_pem) = Key::rsa("espoo-1");
        let espoo_ed = Key::ed("espoo-ed");
        let vantaa_ec = Key::ec("vantaa-1");
        let espoo_keys = KeyServer::start(&[&espoo_rsa, &espoo_ed]);
        let key_file = std::env::temp_dir().join(format!("kyky-test-jwks-{}.json", Uuid::now_v7()));
        std::fs::write(&key_file, key_set(&[&vantaa_ec]).to_string()).unwrap();
        let issuers = TrustedIssuersFile {
            issuers: vec![
                IssuerSettings {
                    name: "espoo-entra".into(),
                    issuer: ESPOO_ISSUER.into(),
                    audience: AUDIENCE.into(),
                    jwks_uri: Some(espoo_keys.url.clone()),
                    jwks_file: None,
                    organisation_id: espoo,
                    subject_claim: SubjectClaim::Oid,
                    create_professionals: None,
                    roles_claim: Some("roles".into()),
                },
                IssuerSettings {
                    name: "vantaa".into(),
                    issuer: VANTAA_ISSUER.into(),
                    audience: AUDIENCE.into(),
                    jwks_uri: None,
                    jwks_file: Some(key_file.clone()),
                    organisation_id: vantaa,
                    subject_claim: SubjectClaim::Sub,
                    create_professionals: Some(Provisioning {
                        roles: vec!["professional".into()],
                        title: "other".into(),
                    }),
                    roles_claim: None,
                },
            ],
        };
        let mut spawn = spawn;
        spawn.auth = Auth::hs256(SECRET.as_bytes())
            .unwrap()
            .with_trusted_issuers(TrustedIssuers::new(issuers, accept_own_tokens).unwrap());
        Self {
            app: spawn_with(spawn).await,
            espoo,
            vantaa,
            espoo_rsa,
            espoo_rsa_public_pem,
            espoo_ed,
            vantaa_ec,
            espoo_keys,
            anna,
            _key_file: tempfile_path::Removed(key_file),
        }
    }

    async fn me(&self, token: &str) -> reqwest::Response {
        self.app.get("/api/v1/me", token).await
    }

    async fn me_ok(&self, token: &str) -> Value {
        let response = self.me(token).await;
        let status = response.status();
        let body: Value = response.json().await.unwrap();
        assert_eq!(status, StatusCode::OK, "{body}");
        body
    }

    async fn refused(&self, token: &str, detail: &str) {
        let problem = expect_problem(
            self.me(token).await,
            StatusCode::UNAUTHORIZED,
            "unauthorized",
        )
        .await;
        assert!(
            problem["detail"].as_str().unwrap().contains(detail),
            "{detail}: {problem}"
        );
    }
}

#[tokio::test]
async fn two_providers_sign_in_the_people_of_their_own_organisations() {
    let p = Providers::start(false).await;
    // Espoo's person, by RS256 and by EdDSA: Anna, with her record's roles.
    for key in [&p.espoo_rsa, &p.espoo_ed] {
        let me = p
            .me_ok(&key.sign(&claims(ESPOO_ISSUER, ("oid", "anna-oid"))))
            .await;
        assert_eq!(me["professional"]["id"], p.anna.to_string());
        assert_eq!(me["organisation"]["id"], p.espoo.to_string());
        assert_eq!(me["effective_roles"], json!(["professional"]));
    }
    // Vantaa's provider creates its person on first sign-in (ES256, by sub).
    let ville = p
        .vantaa_ec
        .sign(&claims(VANTAA_ISSUER, ("sub", "ville-sub")));
    let first = p.me_ok(&ville).await;
    assert_eq!(first["organisation"]["id"], p.vantaa.to_string());
    assert_eq!(first["professional"]["first_name"], "Ville");
    assert_eq!(first["effective_roles"], json!(["professional"]));
    let again = p.me_ok(&ville).await;
    assert_eq!(
        again["professional"]["id"], first["professional"]["id"],
        "the same professional, not a second"
    );
    let created: Vec<_> = p
        .app
        .db
        .run(|conn| professionals::list(conn, Some(p.vantaa), None, 10))
        .unwrap();
    assert_eq!(created.len(), 1);

    // Espoo does not create: a person it signs in but Kyky does not know.
    let stranger = p.espoo_rsa.sign(&claims(ESPOO_ISSUER, ("oid", "nobody")));
    let problem = expect_problem(
        p.me(&stranger).await,
        StatusCode::FORBIDDEN,
        "not-a-professional-yet",
    )
    .await;
    assert!(
        problem["detail"].as_str().unwrap().contains("espoo-entra"),
        "{problem}"
    );

    // Espoo's provider can never act as a professional of Vantaa, even one
    // linked to an Espoo subject.
    let ville_id = Uuid::parse_str(first["professional"]["id"].as_str().unwrap()).unwrap();
    p.app
        .db
        .run(|conn| sign_in_identities::link(conn, ESPOO_ISSUER, "borrowed", ville_id, Utc::now()))
        .unwrap();
    let borrowed = p.espoo_rsa.sign(&claims(ESPOO_ISSUER, ("oid", "borrowed")));
    expect_problem(p.me(&borrowed).await, StatusCode::FORBIDDEN, "forbidden").await;
    // Nor can Vantaa's key sign for Espoo's issuer.
    let forged = p.vantaa_ec.sign(&claims(ESPOO_ISSUER, ("oid", "anna-oid")));
    p.refused(&forged, "kid").await;

    // Kyky's own tokens are refused beside trusted issuers unless allowed.
    let own = mint(&p.app.auth, p.anna, &[Role::Professional]);
    p.refused(&own, "names no issuer").await;

    // Deactivating Anna counts on her next request, whatever token she holds.
    let anna_token = p.espoo_rsa.sign(&claims(ESPOO_ISSUER, ("oid", "anna-oid")));
    p.me_ok(&anna_token).await;
    p.app
        .db
        .run(|conn| {
            use diesel::RunQueryDsl;
            diesel::sql_query(format!(
                "UPDATE professionals SET active = FALSE WHERE id = '{}'",
                p.anna
            ))
            .execute(conn)
            .map_err(StoreError::from)
        })
        .unwrap();
    p.refused(&anna_token, "deactivated").await;
}

#[tokio::test]
async fn tokens_that_must_not_pass_get_the_right_answer() {
    let p = Providers::start(false).await;
    let anna = ("oid", "anna-oid");
    let now = Utc::now().timestamp();
    let valid = claims(ESPOO_ISSUER, anna);
    p.me_ok(&p.espoo_rsa.sign(&valid)).await;
    let with = |field: &str, value: Value| {
        let mut changed = valid.clone();
        changed[field] = value;
        changed
    };

    p.refused(
        &p.espoo_rsa.sign(&with("aud", json!("api://other"))),
        "audience",
    )
    .await;
    p.refused(
        &p.espoo_rsa.sign(&with("exp", json!(now - 3600))),
        "expired",
    )
    .await;
    p.refused(
        &p.espoo_rsa.sign(&with("nbf", json!(now + 3600))),
        "not valid yet",
    )
    .await;
    p.refused(
        &p.espoo_rsa
            .sign(&with("iss", json!("https://idp.elsewhere.test"))),
        "issuer is not trusted",
    )
    .await;
    let mut without_oid = valid.clone();
    without_oid.as_object_mut().unwrap().remove("oid");
    p.refused(&p.espoo_rsa.sign(&without_oid), "oid").await;

    // A key the provider does not publish, under a kid it does not know…
    let unknown = Key::ed("not-published");
    p.refused(&unknown.sign(&valid), "kid").await;
    // …and under the kid of a key it does: the signature does not verify.
    let impostor = Key::ed(&p.espoo_ed.kid);
    p.refused(&impostor.sign(&valid), "signature").await;

    // alg "none": no signature at all.
    let header = b64(br#"{"alg":"none","typ":"JWT"}"#);
    let unsigned = format!("{header}.{}.", b64(valid.to_string().as_bytes()));
    p.refused(&unsigned, "malformed").await;

    // HS256 signed with the provider's public key as the secret (the old
    // algorithm-confusion attack).
    let mut header = Header::new(Algorithm::HS256);
    header.kid = Some(p.espoo_rsa.kid.clone());
    let confused = jsonwebtoken::encode(
        &header,
        &valid,
        &EncodingKey::from_secret(&p.espoo_rsa_public_pem),
    )
    .unwrap();
    p.refused(&confused, "algorithm").await;
}

#[tokio::test]
async fn a_key_rotation_needs_no_restart_and_unknown_kids_do_not_flood_the_provider() {
    let p = Providers::start(false).await;
    let anna = claims(ESPOO_ISSUER, ("oid", "anna-oid"));
    p.me_ok(&p.espoo_rsa.sign(&anna)).await;
    let fetched = p.espoo_keys.fetches();
    assert_eq!(fetched, 1, "the keys are fetched once and kept");
    p.me_ok(&p.espoo_rsa.sign(&anna)).await;
    assert_eq!(p.espoo_keys.fetches(), fetched);

    // The provider rotates: a new key replaces the old.
    let (rotated, _) = Key::rsa("espoo-2");
    p.espoo_keys.publish(&[&rotated]);
    p.me_ok(&rotated.sign(&anna)).await;
    assert_eq!(
        p.espoo_keys.fetches(),
        fetched + 1,
        "fetched again for the new kid"
    );
    p.refused(&p.espoo_rsa.sign(&anna), "kid").await;

    // Thirty tokens with made-up kids: a few fetches, not thirty.
    for n in 0..30 {
        let made_up = Key::ed(&format!("made-up-{n}"));
        p.refused(&made_up.sign(&anna), "kid").await;
    }
    assert!(
        p.espoo_keys.fetches() <= 5,
        "{} fetches of the provider's keys",
        p.espoo_keys.fetches()
    );
    // Still served with the key it has.
    p.me_ok(&rotated.sign(&anna)).await;
}

#[tokio::test]
async fn own_tokens_pass_beside_trusted_issuers_only_when_allowed() {
    let p = Providers::start(true).await;
    let own = mint(&p.app.auth, p.anna, &[Role::Professional]);
    assert_eq!(
        p.me_ok(&own).await["professional"]["id"],
        p.anna.to_string()
    );
    let issued = p.espoo_rsa.sign(&claims(ESPOO_ISSUER, ("oid", "anna-oid")));
    assert_eq!(
        p.me_ok(&issued).await["professional"]["id"],
        p.anna.to_string()
    );
    let _ = (p.vantaa, &p.vantaa_ec);
}

/// An integration (Sofia CRM) gets its token from Espoo's provider with
/// OAuth 2.0 client credentials: the token names the application (its
/// service principal's `oid`, no person's names) and the app roles it was
/// granted. It maps to Espoo's integration account, and its roles bound
/// what that account may do.
#[tokio::test]
async fn an_integration_signs_in_with_client_credentials_bounded_by_its_roles() {
    let p = Providers::start(false).await;
    let account = p
        .app
        .db
        .transaction(|conn| {
            let fields =
                professional_fields("Sofia CRM", ProfessionalTitle::Other, &[Role::Integration]);
            let account =
                professionals::insert(conn, Uuid::now_v7(), p.espoo, &fields, Utc::now())?;
            sign_in_identities::link(conn, ESPOO_ISSUER, "sofia-crm-sp", account.id, Utc::now())?;
            Ok::<_, StoreError>(account.id)
        })
        .unwrap();
    let now = Utc::now().timestamp();
    let token = |roles: Value| {
        p.espoo_rsa
            .sign(&json!({"iss": ESPOO_ISSUER, "aud": AUDIENCE, "iat": now,
            "exp": now + 3600, "oid": "sofia-crm-sp", "azp": "sofia-crm-client-id",
            "roles": roles}))
    };
    let subscriptions = "/api/v1/webhook-subscriptions";
    let granted = token(json!(["integration", "admin"]));
    let me = p.me_ok(&granted).await;
    assert_eq!(me["professional"]["id"], account.to_string());
    // The token's admin role is not the account's: integration only.
    assert_eq!(me["effective_roles"], json!(["integration"]));
    assert_eq!(
        p.app.get(subscriptions, &granted).await.status(),
        StatusCode::OK
    );
    // Without the role granted, the account may do nothing of it.
    let ungranted = token(json!([]));
    assert_eq!(p.me_ok(&ungranted).await["effective_roles"], json!([]));
    expect_problem(
        p.app.get(subscriptions, &ungranted).await,
        StatusCode::FORBIDDEN,
        "forbidden",
    )
    .await;
}

/// An administrator links a person at an organisation's provider to an
/// existing professional, and unlinks them.
#[tokio::test]
async fn an_administrator_links_and_unlinks_who_signs_in_as_a_professional() {
    let p = Providers::start(true).await;
    let app = &p.app;
    let pekka = app
        .db
        .run(|conn| {
            let fields =
                professional_fields("Pekka", ProfessionalTitle::OwnCoach, &[Role::Professional]);
            professionals::insert(conn, Uuid::now_v7(), p.espoo, &fields, Utc::now())
        })
        .unwrap()
        .id;
    let link = |issuer: &str| format!("/api/v1/professionals/{pekka}/sign-in-identities/{issuer}");
    let pekka_token = p
        .espoo_rsa
        .sign(&claims(ESPOO_ISSUER, ("oid", "pekka-oid")));
    expect_problem(
        p.me(&pekka_token).await,
        StatusCode::FORBIDDEN,
        "not-a-professional-yet",
    )
    .await;

    let linked = app
        .put(
            &link("espoo-entra"),
            &app.admin_token,
            None,
            &json!({"subject": "pekka-oid"}),
        )
        .await;
    assert_eq!(linked.status(), StatusCode::OK);
    let linked: Value = linked.json().await.unwrap();
    assert_eq!(linked["issuer_name"], "espoo-entra");
    assert_eq!(linked["issuer"], ESPOO_ISSUER);
    assert_eq!(linked["provisioned"], false);
    assert_eq!(
        p.me_ok(&pekka_token).await["professional"]["id"],
        pekka.to_string()
    );

    let list = format!("/api/v1/professionals/{pekka}/sign-in-identities");
    for token in [&app.admin_token, &pekka_token] {
        let listed: Value = app.get(&list, token).await.json().await.unwrap();
        assert_eq!(listed["items"][0]["subject"], "pekka-oid", "{listed}");
    }
    let anna = p.espoo_rsa.sign(&claims(ESPOO_ISSUER, ("oid", "anna-oid")));
    expect_problem(
        app.get(&list, &anna).await,
        StatusCode::FORBIDDEN,
        "forbidden",
    )
    .await;

    // Only administrators link; only to a trusted issuer of the
    // professional's own organisation; a person links to one professional.
    let body = json!({"subject": "someone"});
    expect_problem(
        app.put(&link("espoo-entra"), &anna, None, &body).await,
        StatusCode::FORBIDDEN,
        "forbidden",
    )
    .await;
    for issuer in ["vantaa", "nobody"] {
        let problem = expect_problem(
            app.put(&link(issuer), &app.admin_token, None, &body).await,
            StatusCode::UNPROCESSABLE_ENTITY,
            "rule-violation",
        )
        .await;
        assert_eq!(problem["errors"][0]["field"], "path.issuer", "{problem}");
    }
    expect_problem(
        app.put(
            &link("espoo-entra"),
            &app.admin_token,
            None,
            &json!({"subject": "anna-oid"}),
        )
        .await,
        StatusCode::CONFLICT,
        "conflict",
    )
    .await;

    // Linking another subject replaces the first; unlinking stops it.
    let renamed = p
        .espoo_rsa
        .sign(&claims(ESPOO_ISSUER, ("oid", "pekka-new-oid")));
    let relinked = app
        .put(
            &link("espoo-entra"),
            &app.admin_token,
            None,
            &json!({"subject": "pekka-new-oid"}),
        )
        .await;
    assert_eq!(relinked.status(), StatusCode::OK);
    assert_eq!(
        p.me_ok(&renamed).await["professional"]["id"],
        pekka.to_string()
    );
    expect_problem(
        p.me(&pekka_token).await,
        StatusCode::FORBIDDEN,
        "not-a-professional-yet",
    )
    .await;
    let unlinked = app
        .request(
            reqwest::Method::DELETE,
            &link("espoo-entra"),
            &app.admin_token,
        )
        .send()
        .await
        .unwrap();
    assert_eq!(unlinked.status(), StatusCode::NO_CONTENT);
    expect_problem(
        p.me(&renamed).await,
        StatusCode::FORBIDDEN,
        "not-a-professional-yet",
    )
    .await;
    let listed: Value = app.get(&list, &app.admin_token).await.json().await.unwrap();
    assert_eq!(listed["items"], json!([]));
}

/// `kyky serve` reads the trusted issuers from the file
/// `KYKY_TRUSTED_ISSUERS_FILE` names: a mistake stops the start, naming the
/// issuer; with a good file, Kyky's own tokens are refused and the issuer's
/// people are asked to be added.
#[tokio::test]
async fn the_server_reads_its_trusted_issuers_from_a_file() {
    let database = crate::helpers::TestDatabase::new();
    let directory = std::env::temp_dir().join(format!("kyky-test-issuers-{}", Uuid::now_v7()));
    std::fs::create_dir_all(&directory).unwrap();
    let _removed = tempfile_path::Removed(directory.clone());
    let key = Key::ec("file-1");
    let keys = directory.join("jwks.json");
    std::fs::write(&keys, key_set(&[&key]).to_string()).unwrap();
    let issuer = |jwks: Value| {
        let mut settings = json!({"name": "espoo-entra", "issuer": ESPOO_ISSUER,
            "audience": AUDIENCE, "organisation_id": Uuid::now_v7(), "subject_claim": "oid"});
        settings
            .as_object_mut()
            .unwrap()
            .extend(jwks.as_object().unwrap().clone());
        json!({"issuers": [settings]})
    };
    let serve = |file: &std::path::Path, port: u16| {
        let mut command = std::process::Command::new(env!("CARGO_BIN_EXE_kyky"));
        command
            .args(["serve", "--bind", &format!("127.0.0.1:{port}")])
            .env("KYKY_DATABASE_URL", &database.url)
            .env("KYKY_TRUSTED_ISSUERS_FILE", file)
            .env("KYKY_JWT_SECRET", SECRET)
            .stdout(std::process::Stdio::null())
            .stderr(std::process::Stdio::piped());
        command
    };

    let wrong = directory.join("wrong.json");
    std::fs::write(
        &wrong,
        issuer(json!({"jwks_uri": "http://keys.example.com/jwks"})).to_string(),
    )
    .unwrap();
    let stopped = serve(&wrong, crate::helpers::free_port()).output().unwrap();
    assert!(!stopped.status.success());
    let said = String::from_utf8_lossy(&stopped.stderr);
    assert!(
        said.contains("espoo-entra") && said.contains("https"),
        "{said}"
    );

    let good = directory.join("good.json");
    std::fs::write(&good, issuer(json!({"jwks_file": keys})).to_string()).unwrap();
    let (port, metrics_port) = (crate::helpers::free_port(), crate::helpers::free_port());
    let _server = crate::helpers::Running(
        serve(&good, port)
            .args(["--metrics-bind", &format!("127.0.0.1:{metrics_port}")])
            .stderr(std::process::Stdio::null())
            .spawn()
            .unwrap(),
    );
    let (http, base) = (reqwest::Client::new(), format!("http://127.0.0.1:{port}"));
    crate::helpers::wait_until_ready(&http, &base).await;
    let me = |token: String| {
        http.get(format!("{base}/api/v1/me"))
            .bearer_auth(token)
            .send()
    };
    let own = Auth::hs256(SECRET.as_bytes())
        .unwrap()
        .mint(
            Uuid::now_v7(),
            &[Role::Professional].into(),
            Utc::now(),
            chrono::Duration::minutes(5),
        )
        .unwrap();
    let refused = expect_problem(
        me(own).await.unwrap(),
        StatusCode::UNAUTHORIZED,
        "unauthorized",
    )
    .await;
    assert!(
        refused["detail"].as_str().unwrap().contains("issuer"),
        "{refused}"
    );
    let person = key.sign(&claims(ESPOO_ISSUER, ("oid", "someone")));
    expect_problem(
        me(person).await.unwrap(),
        StatusCode::FORBIDDEN,
        "not-a-professional-yet",
    )
    .await;
    // A token naming a key the file lacks: the file is read again, and
    // the read counted for the operator.
    let unknown = Key::ec("file-2").sign(&claims(ESPOO_ISSUER, ("oid", "someone")));
    expect_problem(
        me(unknown).await.unwrap(),
        StatusCode::UNAUTHORIZED,
        "unauthorized",
    )
    .await;
    let metrics = http
        .get(format!("http://127.0.0.1:{metrics_port}/metrics"))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    let fetched = metrics
        .lines()
        .find(|line| {
            line.starts_with("kyky_issuer_key_fetches_total{")
                && line.contains("issuer=\"espoo-entra\"")
                && line.contains("outcome=\"fetched\"")
        })
        .unwrap_or_else(|| panic!("{metrics}"));
    assert!(fetched.ends_with(" 1"), "{fetched}");
}
