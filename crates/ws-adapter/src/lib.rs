//! Folio's realtime adapter: `GET /api/v1/ws`. It authenticates the socket, speaks
//! the envelope protocol (see docs/realtime.md), keeps each socket's subscriptions
//! and replays, and hands it the live events of the instance's hub. Which channels
//! exist and who may follow them is the application's (`folio_application::realtime`).

mod backend;
mod envelope;
mod expiry;
mod handshake;
mod settings;
mod socket;

use std::sync::Arc;

use actix_web::web;
use folio_application::realtime::Hub;

pub use backend::{Backend, RealtimeBackend};
pub use settings::WsSettings;

/// What every socket of the instance shares.
#[derive(Clone)]
pub struct WsState {
    pub backend: Arc<dyn RealtimeBackend>,
    pub hub: Arc<Hub>,
    pub settings: Arc<WsSettings>,
}

/// Mounts `/api/v1/ws`; goes before the HTTP adapter's routes.
pub fn configure(cfg: &mut web::ServiceConfig, state: WsState) {
    cfg.app_data(web::Data::new(state))
        .route("/api/v1/ws", web::get().to(handshake::open));
}
