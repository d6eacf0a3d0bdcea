//! The event feed: what changed in the clients you may see, in the order it
//! happened, resumable from a cursor without gaps or repeats.

use actix_web::{get, web};
use kyky_domain::CodeSet;
use kyky_domain::event::EventType;
use kyky_persistence::events::FeedPosition;
use serde::Deserialize;
use utoipa::IntoParams;
use uuid::Uuid;

use crate::auth::Bearer;
use crate::error::{ApiError, ApiResult, FieldError};
use crate::state::AppState;
use crate::views::events::{EventPage, EventView};

#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct FeedParams {
    /// `next_cursor` of the previous page, as given; omit to start from the
    /// first event.
    #[param(pattern = "^[A-Za-z0-9_-]{43}$", min_length = 43, max_length = 43)]
    pub after: Option<String>,
    /// Only events of these types (comma-separated); all when left out.
    #[param(style = Form, explode = false, value_type = Option<Vec<EventType>>, min_items = 1)]
    pub types: Option<String>,
    /// Events to read, 1–100 (default 25).
    #[param(minimum = 1, maximum = 100, example = 25)]
    pub limit: Option<u32>,
}

/// The types asked for: each must be an event type.
fn event_types(types: Option<&str>) -> Result<Vec<EventType>, FieldError> {
    let Some(types) = types else {
        return Ok(Vec::new());
    };
    types
        .split(',')
        .map(|code| {
            code.parse().map_err(|_| FieldError {
                field: "types".into(),
                message: format!(
                    "{code:?} is not an event type (see /api/v1/code-sets/{})",
                    EventType::NAME
                ),
            })
        })
        .collect()
}

/// Read the event feed: changes to the clients you may read, oldest first
/// from the cursor. Each event is shown by the access rules as they stand
/// when you read (a consent withdrawn since hides what it covered), and
/// each client whose events you read gets an entry in its access log. An
/// integration reads with its own account and resumes with the cursor it
/// stored after downtime: no event is skipped or repeated. An event shows
/// once every change that began before it has been committed (at once,
/// unless a long transaction is still running; it is delayed, never
/// skipped).
#[utoipa::path(
    tag = "events",
    security(("bearer" = [])),
    params(FeedParams),
    responses(
        (status = 200, description = "A page of events", body = EventPage),
        (status = 400, description = "An unknown type, a limit out of range or a malformed cursor (`validation`)", body = crate::error::Problem, content_type = "application/problem+json"),
        (status = 422, description = "A cursor not given to you by this feed (`rule-violation`)", body = crate::error::Problem, content_type = "application/problem+json"),
    )
)]
#[get("/events")]
pub async fn read_events(
    state: web::Data<AppState>,
    bearer: Bearer,
    params: web::Query<FeedParams>,
) -> ApiResult<web::Json<EventPage>> {
    let params = params.into_inner();
    let mut errors = Vec::new();
    let limit = kyky_domain::page::page_size(params.limit).unwrap_or_else(|message| {
        errors.push(FieldError {
            field: "limit".into(),
            message: message.into(),
        });
        1
    });
    let kinds = event_types(params.types.as_deref()).unwrap_or_else(|error| {
        errors.push(error);
        Vec::new()
    });
    if let Some(after) = params.after.as_deref()
        && !crate::cursor::is_well_formed(after)
    {
        errors.push(FieldError {
            field: "after".into(),
            message: "not a cursor: give next_cursor as it was returned".into(),
        });
    }
    if !errors.is_empty() {
        return Err(ApiError::validation(errors));
    }
    let seal = state.cursors("events", &bearer).await?;
    let after = match params.after.as_deref() {
        None => FeedPosition::START,
        Some(cursor) => seal
            .open(cursor)
            .map(|sealed| FeedPosition::from_bytes(sealed.into_bytes()))
            .ok_or_else(|| ApiError::rule("after", "not a cursor returned by this feed"))?,
    };
    let now = state.now();
    let page = state
        .as_caller(bearer, move |db, caller| {
            Ok(db.event_feed(&caller.audit(now), after, &kinds, i64::from(limit))?)
        })
        .await?;
    let known = page.external_ids;
    Ok(web::Json(EventPage {
        items: page
            .events
            .into_iter()
            .filter_map(|event| {
                let ids = event
                    .client_id
                    .and_then(|client| known.get(&client).cloned())
                    .unwrap_or_default();
                EventView::of(event, ids)
            })
            .collect(),
        next_cursor: seal.seal(Uuid::from_bytes(page.next.to_bytes())),
        more: page.more,
    }))
}
