//! The caller's own record.

use actix_web::{get, web};
use kyky_persistence::organisations;

use crate::auth::Bearer;
use crate::error::ApiResult;
use crate::state::AppState;
use crate::views::me::Me;

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
            // The caller's record was loaded with them; only the
            // organisation is read here.
            let organisation =
                db.run(|conn| organisations::get(conn, caller.actor.organisation_id))?;
            Ok(Me {
                professional: caller.record.professional.clone().into(),
                organisation: organisation.into(),
                effective_roles: caller.actor.roles.iter().copied().collect(),
            })
        })
        .await?;
    Ok(web::Json(me))
}
