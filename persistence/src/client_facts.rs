//! A client's access facts as a request read them with its caller
//! (`request_facts`): what the access rules decide a read on. Domain types
//! only, so that the access log's context can carry them.

use std::sync::Arc;

use kyky_domain::consent::Consent;
use kyky_domain::entities::Client;
use kyky_domain::handover::Responsibility;
use kyky_domain::relationship::Relationship;
use uuid::Uuid;

/// The client a read names, as read with the caller. Writes read the facts
/// again inside their own transaction.
#[derive(Debug, Clone)]
pub struct PreloadedClient {
    pub client_id: Uuid,
    /// `None` when there is no such client.
    pub facts: Option<Arc<ClientFacts>>,
}

/// What the access rules decide on.
#[derive(Debug)]
pub struct ClientFacts {
    pub client: Client,
    pub responsibility: Option<Responsibility>,
    /// Oldest first.
    pub relationships: Vec<Relationship>,
    /// Withdrawn ones too, oldest first.
    pub consents: Vec<Consent>,
}
