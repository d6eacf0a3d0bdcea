//! The caller's own record.

use actix_web::{get, web};
use kyky_domain::Role;
use kyky_persistence::{organisations, professionals};
use serde::Serialize;
use utoipa::ToSchema;

use crate::auth::Bearer;
use crate::error::ApiResult;
use crate::routes::organisations::OrganisationView;
use crate::routes::professionals::ProfessionalView;
use crate::state::AppState;

/// Who you are, in which organisation, with which roles in effect.
#[derive(Debug, Serialize, ToSchema)]
pub struct Me {
    pub professional: ProfessionalView,
    pub organisation: OrganisationView,
    /// Roles in effect: those your token claims that your record grants.
    pub effective_roles: Vec<Role>,
}

/// The caller's professional record and effective roles.
#[utoipa::path(
    operation_id = "get_me",
    tag = "me",
    security(("bearer" = [])),
    responses((status = 200, description = "You", body = Me))
)]
#[get("/me")]
pub async fn me(state: web::Data<AppState>, bearer: Bearer) -> ApiResult<web::Json<Me>> {
    let me = state
        .as_caller(bearer, move |db, caller| {
            let actor = &caller.actor;
            let (professional, organisation) = db.run(|conn| {
                Ok::<_, kyky_persistence::StoreError>((
                    professionals::get(conn, actor.professional_id)?,
                    organisations::get(conn, actor.organisation_id)?,
                ))
            })?;
            Ok(Me {
                professional: professional.into(),
                organisation: organisation.into(),
                effective_roles: actor.roles.iter().copied().collect(),
            })
        })
        .await?;
    Ok(web::Json(me))
}
