//! The caller's own record.

use actix_web::{get, web};
use kyky_persistence::professionals;

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
    let now = state.now();
    let me = state
        .blocking(move |db| {
            // The caller with their organisation whole, in one statement.
            let id = bearer.professional_id(db, now)?;
            let (record, teams, organisation) = db
                .run(|conn| professionals::get_me(conn, id))
                .map_err(crate::auth::known_professional)?;
            let caller = bearer.caller(record, teams, None)?;
            Ok(Me {
                professional: caller.record.professional.into(),
                organisation: organisation.into(),
                effective_roles: caller.actor.roles.iter().copied().collect(),
            })
        })
        .await?;
    Ok(web::Json(me))
}
