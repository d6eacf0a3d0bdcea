//! Who signs in as a professional: a person at one of the trusted identity
//! providers (by the issuer's configured name), linked by an administrator.
//! A person signing in with no link gets `not-a-professional-yet` (unless
//! their provider creates professionals on first sign-in).

use actix_web::{HttpResponse, delete, get, put, web};
use kyky_domain::Role;
use kyky_persistence::{StoreError, professionals, sign_in_identities};
use serde::Deserialize;
use utoipa::{IntoParams, ToSchema};
use uuid::Uuid;
use validator::Validate;

use crate::auth::{Auth, Bearer};
use crate::error::{ApiError, ApiResult, missing};
use crate::extract::ValidJson;
use crate::state::AppState;
use crate::trusted_issuers::TrustedIssuer;
use crate::views::sign_in_identities::{SignInIdentityList, SignInIdentityView};

#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Path)]
pub struct SignInIdentityPath {
    /// The professional's id.
    pub id: Uuid,
    /// The trusted issuer's configured name, e.g. `espoo-entra`.
    #[param(
        pattern = "^[a-z0-9][a-z0-9._-]{0,63}$",
        min_length = 1,
        max_length = 64,
        example = "espoo-entra"
    )]
    pub issuer: String,
}

/// The person to link.
#[derive(Debug, Deserialize, ToSchema, Validate)]
#[serde(deny_unknown_fields)]
#[schema(example = json!({"subject": "0f4c8a1e-5b2d-4c7e-9a31-2d6f0b8e7c55"}))]
pub struct SignInIdentityInput {
    /// The person's subject at the issuer: the value of the claim the issuer
    /// identifies people by (`sub`, `oid` or `email`).
    #[validate(
        length(min = 1, max = 200),
        custom(function = "crate::validation::not_blank")
    )]
    #[schema(min_length = 1, max_length = 200)]
    pub subject: String,
}

/// The trusted issuer `path` names, which must sign in people of the
/// professional's organisation.
fn issuer_of(auth: &Auth, path: &SignInIdentityPath) -> ApiResult<std::sync::Arc<TrustedIssuer>> {
    let name = crate::inputs::system_name("path.issuer", &path.issuer)?;
    auth.trusted_issuer(&name)
        .ok_or_else(|| ApiError::rule("path.issuer", "no trusted issuer has this name"))
}

/// The people who sign in as the professional (an administrator, or the
/// professional themself).
#[utoipa::path(
    tag = "professionals",
    security(("bearer" = [])),
    params(("id" = Uuid, Path, description = "Professional id")),
    responses(
        (status = 200, description = "Who signs in as the professional", body = SignInIdentityList),
        (status = 403, description = "Neither an administrator nor the professional (`forbidden`)", body = crate::error::Problem, content_type = "application/problem+json"),
    )
)]
#[get("/professionals/{id}/sign-in-identities")]
pub async fn list_sign_in_identities(
    state: web::Data<AppState>,
    auth: web::Data<Auth>,
    bearer: Bearer,
    id: web::Path<Uuid>,
) -> ApiResult<web::Json<SignInIdentityList>> {
    let id = id.into_inner();
    let found = state
        .as_caller(bearer, move |db, caller| {
            if caller.actor.professional_id != id {
                caller.require(Role::Admin)?;
            }
            db.run(|conn| {
                professionals::get(conn, id)?;
                sign_in_identities::of_professional(conn, id)
            })
            .map_err(missing("professional"))
        })
        .await?;
    let items = found
        .into_iter()
        .map(|identity| {
            let name = auth.issuer_name(&identity.issuer);
            SignInIdentityView::of(identity, name)
        })
        .collect();
    Ok(web::Json(SignInIdentityList { items }))
}

/// Links a person at a trusted issuer to the professional (in place of the
/// one linked at that issuer before). Administrators only; the issuer must
/// sign in people of the professional's organisation.
#[utoipa::path(
    tag = "professionals",
    security(("bearer" = [])),
    params(SignInIdentityPath),
    request_body = SignInIdentityInput,
    responses(
        (status = 200, description = "Linked", body = SignInIdentityView),
        (status = 403, description = "Not an administrator (`forbidden`)", body = crate::error::Problem, content_type = "application/problem+json"),
        (status = 409, description = "The person is linked to another professional (`conflict`)", body = crate::error::Problem, content_type = "application/problem+json"),
        (status = 422, description = "No trusted issuer has the name, or it signs in another organisation's people (`rule-violation`)", body = crate::error::Problem, content_type = "application/problem+json"),
    )
)]
#[put("/professionals/{id}/sign-in-identities/{issuer}")]
pub async fn set_sign_in_identity(
    state: web::Data<AppState>,
    auth: web::Data<Auth>,
    bearer: Bearer,
    path: web::Path<SignInIdentityPath>,
    ValidJson(input): ValidJson<SignInIdentityInput>,
) -> ApiResult<web::Json<SignInIdentityView>> {
    let (id, now, path) = (path.id, state.now(), path.into_inner());
    let (issuer, identity, replaced) = state
        .as_caller(bearer, move |db, caller| {
            caller.require(Role::Admin)?;
            let issuer = issuer_of(&auth, &path)?;
            let (url, organisation) = (&issuer.settings.issuer, issuer.settings.organisation_id);
            let subject = issuer.subject(&input.subject);
            let professional = db
                .run(|conn| professionals::get(conn, id))
                .map_err(missing("professional"))?;
            if professional.organisation_id != organisation {
                return Err(ApiError::rule(
                    "path.issuer",
                    "this issuer signs in people of another organisation",
                ));
            }
            let (identity, replaced) = db
                .transaction(|conn| sign_in_identities::set(conn, url, id, &subject, now))
                .map_err(|e| match e {
                    StoreError::UniqueViolation(_) => ApiError::conflict(
                        "conflict",
                        "Conflict",
                        "the person is linked to another professional",
                    ),
                    other => other.into(),
                })?;
            Ok((issuer, identity, replaced))
        })
        .await?;
    if let Some(old) = replaced {
        issuer.forget(&old);
    }
    Ok(web::Json(SignInIdentityView::of(
        identity,
        Some(issuer.settings.name.clone()),
    )))
}

/// Unlinks the person at a trusted issuer from the professional: they no
/// longer sign in as them (at once in this process, within a minute in
/// others; deactivate the professional to stop them at once everywhere).
#[utoipa::path(
    tag = "professionals",
    security(("bearer" = [])),
    params(SignInIdentityPath),
    responses(
        (status = 204, description = "Unlinked, or nobody was linked"),
        (status = 403, description = "Not an administrator (`forbidden`)", body = crate::error::Problem, content_type = "application/problem+json"),
        (status = 422, description = "No trusted issuer has the name (`rule-violation`)", body = crate::error::Problem, content_type = "application/problem+json"),
    )
)]
#[delete("/professionals/{id}/sign-in-identities/{issuer}")]
pub async fn remove_sign_in_identity(
    state: web::Data<AppState>,
    auth: web::Data<Auth>,
    bearer: Bearer,
    path: web::Path<SignInIdentityPath>,
) -> ApiResult<HttpResponse> {
    let (id, path) = (path.id, path.into_inner());
    let (issuer, removed) = state
        .as_caller(bearer, move |db, caller| {
            caller.require(Role::Admin)?;
            let issuer = issuer_of(&auth, &path)?;
            let url = &issuer.settings.issuer;
            let removed = db.transaction(|conn| sign_in_identities::remove(conn, url, id))?;
            Ok((issuer, removed))
        })
        .await?;
    if let Some(subject) = removed {
        issuer.forget(&subject);
    }
    Ok(HttpResponse::NoContent().finish())
}
