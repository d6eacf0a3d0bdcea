//! A client's access facts as a request read them with its caller
//! (`request_facts`): what the access rules decide a read on. Domain types
//! only, so that the access log's context can carry them.

use std::sync::Arc;

use kyky_domain::consent::Consent;
use kyky_domain::entities::Client;
use kyky_domain::handover::Responsibility;
use kyky_domain::relationship::Relationship;
use uuid::Uuid;

/// The client a request names, as read with the caller. A write decides on
/// these facts only if, inside its transaction, the client's stamp is still
/// `stamp`; otherwise it reads them again.
#[derive(Debug, Clone)]
pub struct PreloadedClient {
    pub client_id: Uuid,
    /// `None` when there is no such client.
    pub facts: Option<Arc<ClientFacts>>,
    /// The stamp of the client's facts they were read with.
    pub stamp: i64,
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
