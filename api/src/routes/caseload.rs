//! The responsible worker's caseload: my clients and what needs doing next.

use actix_web::{get, web};
use kyky_persistence::caseload::CaseloadOrder;
use serde::Deserialize;
use utoipa::{IntoParams, ToSchema};

use crate::auth::Bearer;
use crate::error::ApiResult;
use crate::extract::PageParams;
use crate::state::AppState;
use crate::views::caseload::{CaseloadView, view};

/// How the caseload is sorted.
#[derive(Debug, Clone, Copy, Default, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum CaseloadSort {
    /// Soonest open follow-up first; clients without one last.
    #[default]
    NextFollowUp,
    /// By last name, then first name.
    Name,
}

#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct CaseloadParams {
    /// `next_follow_up` (default) or `name`.
    pub sort: Option<CaseloadSort>,
}

/// My caseload: the clients I am responsible worker or work pair for, each
/// with the plan in force, the next follow-up (overdue or not) and open
/// warnings; and my pending handovers in and out and my teams' inbox counts.
#[utoipa::path(
    tag = "caseload",
    security(("bearer" = [])),
    params(CaseloadParams, PageParams),
    responses((status = 200, description = "A page of my caseload", body = CaseloadView))
)]
#[get("/caseload")]
pub async fn get_caseload(
    state: web::Data<AppState>,
    bearer: Bearer,
    params: web::Query<CaseloadParams>,
    page: web::Query<PageParams>,
) -> ApiResult<web::Json<CaseloadView>> {
    let page = page.validate(state.cursors("caseload", &bearer).await?)?;
    let order = match params.sort.unwrap_or_default() {
        CaseloadSort::NextFollowUp => CaseloadOrder::NextFollowUp,
        CaseloadSort::Name => CaseloadOrder::Name,
    };
    let now = state.now();
    let limit = page.limit as usize;
    let result = state
        .as_caller_view(
            bearer,
            move |db, caller| Ok(db.caseload(&caller.audit(now), order, page.after, limit)?),
            move |conn, caseload| view(conn, caseload, now, page),
        )
        .await?;
    Ok(web::Json(result))
}
