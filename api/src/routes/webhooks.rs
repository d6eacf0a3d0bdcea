//! Webhook subscriptions (Standard Webhooks 1.0): an organisation's
//! integration account (or an admin) names where events are pushed; each
//! delivery is signed, retried by the schedule and logged.

use actix_web::{HttpResponse, get, post, web};
use kyky_domain::Role;
use kyky_domain::event::EventType;
use kyky_domain::webhook::SubscriptionStatus;
use kyky_persistence::webhook_deliveries;
use kyky_persistence::webhooks::{self, NewSubscription, Subscription};
use kyky_persistence::{DbConnection, StoreError, professionals};
use serde::Deserialize;
use utoipa::ToSchema;
use uuid::Uuid;
use validator::Validate;

use crate::auth::{Bearer, Caller};
use crate::error::{ApiError, ApiResult, missing};
use crate::extract::{PageParams, ValidJson};
use crate::state::AppState;
use crate::views::webhooks::{
    DeliveryPage, DeliveryView, RotatedSecret, SubscriptionList, SubscriptionView,
    SubscriptionWithSecret,
};
use crate::webhook_dispatcher::{new_secret, url_allowed};

/// How long the secret before a rotation keeps signing.
const ROTATION_OVERLAP_HOURS: i64 = 24;

/// A subscription to make.
#[derive(Debug, Deserialize, ToSchema, Validate)]
#[serde(deny_unknown_fields)]
#[schema(example = json!({"url": "https://crm.espoo.fi/kyky/webhooks", "event_types": ["handover.accepted", "consent.withdrawn"], "description": "Sofia CRM"}))]
pub struct SubscriptionInput {
    /// Where deliveries are sent (`POST`): https, and not a private, loopback or
    /// link-local address (unless the deployment allows them for development).
    #[validate(length(min = 1, max = 2000))]
    #[schema(min_length = 1, max_length = 2000, format = "uri")]
    pub url: String,
    /// The types to deliver; all when left out or empty.
    #[validate(length(max = 50))]
    #[schema(max_items = 50)]
    pub event_types: Option<Vec<EventType>>,
    #[validate(length(max = 500))]
    #[schema(max_length = 500)]
    pub description: Option<String>,
    /// The integration account of your organisation to deliver as (what it
    /// may read is what is delivered). An integration account subscribing
    /// is itself by default; an admin must name one.
    pub integration_account_id: Option<Uuid>,
}

/// Whether the caller manages this subscription: an admin, or an
/// integration account of its organisation. Anyone else is told it does not
/// exist.
fn managed(caller: &Caller, subscription: Subscription) -> ApiResult<Subscription> {
    let actor = &caller.actor;
    let own =
        actor.has_role(Role::Integration) && actor.organisation_id == subscription.organisation_id;
    if actor.has_role(Role::Admin) || own {
        Ok(subscription)
    } else {
        Err(ApiError::not_found("webhook subscription"))
    }
}

fn load_managed(conn: &mut DbConnection, caller: &Caller, id: Uuid) -> ApiResult<Subscription> {
    let subscription = webhooks::get(conn, id).map_err(missing("webhook subscription"))?;
    managed(caller, subscription)
}

/// Subscribe to events. Kyky makes the signing secret and shows it this
/// once. Deliveries start with the events after now, as the integration
/// account may read them when each is sent.
#[utoipa::path(
    tag = "webhooks",
    security(("bearer" = [])),
    request_body = SubscriptionInput,
    responses(
        (status = 201, description = "Subscribed; the secret is shown only now", body = SubscriptionWithSecret, headers(("Location" = String))),
        (status = 403, description = "Only an integration account or an admin subscribes (`forbidden`)", body = crate::error::Problem, content_type = "application/problem+json"),
        (status = 422, description = "A target Kyky does not deliver to, or an integration account that is not one (`rule-violation`, `unknown-reference`)", body = crate::error::Problem, content_type = "application/problem+json"),
    )
)]
#[post("/webhook-subscriptions")]
pub async fn create_subscription(
    state: web::Data<AppState>,
    bearer: Bearer,
    ValidJson(input): ValidJson<SubscriptionInput>,
) -> ApiResult<HttpResponse> {
    url_allowed(&input.url, state.webhooks.allow_private_targets)
        .map_err(|message| ApiError::rule("url", message))?;
    let now = state.now();
    let secret = new_secret();
    let shown = secret.clone();
    let subscription = state
        .as_caller(bearer, move |db, caller| {
            let actor = &caller.actor;
            let account_id = match (
                actor.has_role(Role::Integration),
                input.integration_account_id,
            ) {
                (true, None) => actor.professional_id,
                (true, Some(id)) if id == actor.professional_id => id,
                (_, Some(id)) if actor.has_role(Role::Admin) => id,
                (false, None) if actor.has_role(Role::Admin) => {
                    return Err(ApiError::invalid_reference(
                        "integration_account_id",
                        "name the integration account to deliver as",
                    ));
                }
                (true, Some(_)) => {
                    return Err(ApiError::invalid_reference(
                        "integration_account_id",
                        "an integration account subscribes as itself",
                    ));
                }
                _ => {
                    return Err(ApiError::forbidden(
                        "only an integration account or an admin subscribes to webhooks",
                    ));
                }
            };
            Ok(db.transaction(|conn| {
                let account = professionals::get(conn, account_id).ok();
                let Some(account) =
                    account.filter(|a| a.active && a.fields.roles.contains(&Role::Integration))
                else {
                    return Err(StoreError::InvalidReference {
                        field: "integration_account_id",
                        message: "must name an active integration account",
                    });
                };
                let types = input.event_types.unwrap_or_default();
                let new = NewSubscription {
                    organisation_id: account.organisation_id,
                    account_id,
                    url: &input.url,
                    event_types: &types,
                    description: input.description.as_deref(),
                    secret: &secret,
                    created_by: caller.actor.professional_id,
                };
                webhooks::insert(conn, &new, now)
            })?)
        })
        .await?;
    let location = format!("/api/v1/webhook-subscriptions/{}", subscription.id);
    Ok(HttpResponse::Created()
        .insert_header((actix_web::http::header::LOCATION, location))
        .json(SubscriptionWithSecret {
            subscription: subscription.into(),
            secret: shown,
        }))
}

/// Your organisation's subscriptions (an admin: every organisation's).
#[utoipa::path(
    tag = "webhooks",
    security(("bearer" = [])),
    responses(
        (status = 200, description = "The subscriptions, oldest first", body = SubscriptionList),
        (status = 403, description = "Only an integration account or an admin (`forbidden`)", body = crate::error::Problem, content_type = "application/problem+json"),
    )
)]
#[get("/webhook-subscriptions")]
pub async fn list_subscriptions(
    state: web::Data<AppState>,
    bearer: Bearer,
) -> ApiResult<web::Json<SubscriptionList>> {
    let items = state
        .as_caller(bearer, |db, caller| {
            let actor = &caller.actor;
            if !actor.has_role(Role::Integration) && !actor.has_role(Role::Admin) {
                return Err(ApiError::forbidden(
                    "only an integration account or an admin manages webhooks",
                ));
            }
            // An admin sees every organisation's.
            let organisation = (!actor.has_role(Role::Admin)).then_some(actor.organisation_id);
            Ok(db.run(|conn| webhooks::list(conn, organisation))?)
        })
        .await?;
    Ok(web::Json(SubscriptionList {
        items: items.into_iter().map(SubscriptionView::from).collect(),
    }))
}

/// One subscription (never its secret).
#[utoipa::path(
    tag = "webhooks",
    security(("bearer" = [])),
    params(("id" = Uuid, Path, description = "Subscription id")),
    responses((status = 200, description = "The subscription", body = SubscriptionView))
)]
#[get("/webhook-subscriptions/{id}")]
pub async fn get_subscription(
    state: web::Data<AppState>,
    bearer: Bearer,
    id: web::Path<Uuid>,
) -> ApiResult<web::Json<SubscriptionView>> {
    let id = id.into_inner();
    let subscription = state
        .as_caller(bearer, move |db, caller| {
            db.run(|conn| load_managed(conn, caller, id))
        })
        .await?;
    Ok(web::Json(subscription.into()))
}

async fn set_status(
    state: &web::Data<AppState>,
    bearer: Bearer,
    id: Uuid,
    status: SubscriptionStatus,
) -> ApiResult<web::Json<SubscriptionView>> {
    let now = state.now();
    let subscription = state
        .as_caller(bearer, move |db, caller| {
            db.transaction(|conn| {
                load_managed(conn, caller, id)?;
                webhooks::set_status(conn, id, status, None, now)?;
                Ok(webhooks::get(conn, id)?)
            })
        })
        .await?;
    Ok(web::Json(subscription.into()))
}

/// Stop delivering. Events keep being recorded; enabling again delivers
/// those that happened meanwhile.
#[utoipa::path(
    tag = "webhooks",
    security(("bearer" = [])),
    params(("id" = Uuid, Path, description = "Subscription id")),
    responses((status = 200, description = "Disabled", body = SubscriptionView))
)]
#[post("/webhook-subscriptions/{id}/disable")]
pub async fn disable_subscription(
    state: web::Data<AppState>,
    bearer: Bearer,
    id: web::Path<Uuid>,
) -> ApiResult<web::Json<SubscriptionView>> {
    set_status(
        &state,
        bearer,
        id.into_inner(),
        SubscriptionStatus::Disabled,
    )
    .await
}

/// Deliver again (after a failure disabled it, or by hand): from where it
/// stopped, nothing skipped.
#[utoipa::path(
    tag = "webhooks",
    security(("bearer" = [])),
    params(("id" = Uuid, Path, description = "Subscription id")),
    responses((status = 200, description = "Enabled", body = SubscriptionView))
)]
#[post("/webhook-subscriptions/{id}/enable")]
pub async fn enable_subscription(
    state: web::Data<AppState>,
    bearer: Bearer,
    id: web::Path<Uuid>,
) -> ApiResult<web::Json<SubscriptionView>> {
    set_status(&state, bearer, id.into_inner(), SubscriptionStatus::Active).await
}

/// A new signing secret, shown this once. For a day the old one signs too
/// (each delivery carries both signatures), so the receiver can switch
/// without losing a delivery.
#[utoipa::path(
    tag = "webhooks",
    security(("bearer" = [])),
    params(("id" = Uuid, Path, description = "Subscription id")),
    responses((status = 200, description = "The new secret", body = RotatedSecret))
)]
#[post("/webhook-subscriptions/{id}/rotate-secret")]
pub async fn rotate_secret(
    state: web::Data<AppState>,
    bearer: Bearer,
    id: web::Path<Uuid>,
) -> ApiResult<web::Json<RotatedSecret>> {
    let (id, now) = (id.into_inner(), state.now());
    let secret = new_secret();
    let until = now + chrono::Duration::hours(ROTATION_OVERLAP_HOURS);
    let stored = secret.clone();
    state
        .as_caller(bearer, move |db, caller| {
            db.transaction(|conn| {
                load_managed(conn, caller, id)?;
                Ok(webhooks::rotate_secret(conn, id, &stored, until, now)?)
            })
        })
        .await?;
    Ok(web::Json(RotatedSecret {
        secret,
        previous_secret_valid_until: until,
    }))
}

/// The delivery log, newest first: each delivery's attempts with the
/// target's answers, and when it is tried next.
#[utoipa::path(
    tag = "webhooks",
    security(("bearer" = [])),
    params(("id" = Uuid, Path, description = "Subscription id"), PageParams),
    responses((status = 200, description = "Deliveries", body = DeliveryPage))
)]
#[get("/webhook-subscriptions/{id}/deliveries")]
pub async fn list_deliveries(
    state: web::Data<AppState>,
    bearer: Bearer,
    id: web::Path<Uuid>,
    page: web::Query<PageParams>,
) -> ApiResult<web::Json<DeliveryPage>> {
    let page = page.validate(state.cursors("webhook-deliveries", &bearer).await?)?;
    let id = id.into_inner();
    let found = state
        .as_caller(bearer, move |db, caller| {
            db.run(|conn| {
                load_managed(conn, caller, id)?;
                Ok(webhook_deliveries::deliveries(
                    conn,
                    id,
                    page.after,
                    None,
                    page.fetch(),
                )?)
            })
        })
        .await?;
    let (found, next_cursor) = page.finish(found, |d| d.id);
    Ok(web::Json(DeliveryPage {
        items: found.into_iter().map(DeliveryView::from).collect(),
        next_cursor,
    }))
}

/// Try a delivery again now, with a fresh retry schedule (a failed one too).
#[utoipa::path(
    tag = "webhooks",
    security(("bearer" = [])),
    params(
        ("id" = Uuid, Path, description = "Subscription id"),
        ("delivery_id" = Uuid, Path, description = "Delivery id"),
    ),
    responses((status = 200, description = "Due now", body = DeliveryView))
)]
#[post("/webhook-subscriptions/{id}/deliveries/{delivery_id}/retry")]
pub async fn retry_delivery(
    state: web::Data<AppState>,
    bearer: Bearer,
    path: web::Path<(Uuid, Uuid)>,
) -> ApiResult<web::Json<DeliveryView>> {
    let ((id, delivery_id), now) = (path.into_inner(), state.now());
    let delivery = state
        .as_caller(bearer, move |db, caller| {
            db.transaction(|conn| {
                load_managed(conn, caller, id)?;
                if !webhook_deliveries::retry(conn, id, delivery_id, now)? {
                    return Err(ApiError::not_found("delivery"));
                }
                webhook_deliveries::deliveries(conn, id, None, Some(delivery_id), 1)?
                    .pop()
                    .ok_or_else(|| ApiError::not_found("delivery"))
            })
        })
        .await?;
    Ok(web::Json(delivery.into()))
}
