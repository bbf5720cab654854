//! One socket's life: welcome, then client messages, live events and heartbeats
//! until either side leaves. Everything a client sends is checked here; what it
//! gets wrong earns an `error` and a strike, and too many strikes close it (1008).

use std::collections::HashMap;
use std::time::{Duration, Instant};

use actix_ws::{AggregatedMessage, AggregatedMessageStream, CloseCode, CloseReason, Session};
use folio_application::ports::Replay;
use folio_application::realtime::{
    Channel, ChannelEvent, EventId, FEED, FeedFilter, HubSocket, Incoming, SESSION_REVOKED, Seat,
    SubscribeRefusal,
};
use folio_application::views::Authenticated;
use folio_application::{AppError, ClientInfo};
use folio_domain::UserId;
use futures_util::StreamExt;
use serde_json::json;

use crate::WsState;
use crate::envelope::{self, Inbound};
use crate::expiry::SessionClock;

/// Events read from a channel's stream per call while replaying.
const REPLAY_PAGE: u32 = 500;

/// A client that takes no message for this long is cut off (1013).
const STALLED_AFTER: Duration = Duration::from_secs(5);

/// Why the loop ends, and how the socket is closed.
struct Close(CloseCode, &'static str);

pub(crate) struct Socket {
    session: Session,
    state: WsState,
    hub: HubSocket,
    user: Option<Authenticated>,
    /// The token the user signed in with, to check the session again when it is
    /// due to expire.
    token: Option<String>,
    /// When the session is next checked.
    expiry: SessionClock,
    client: ClientInfo,
    /// This socket's id, also its seat among its user's sockets.
    connection: String,
    /// The last event sent (or, on the feed, passed over) on each subscribed channel.
    positions: HashMap<String, EventId>,
    /// Whose articles the feed passes on, while the socket follows the feed.
    feed: Option<FeedFilter>,
    /// The last follow or unfollow of the user taken into the feed's filter.
    follows_seen: EventId,
    strikes: u32,
    messages: u64,
    /// The inbound rate limit's bucket: thousandths of a message, and when it was
    /// last filled.
    allowance: (u64, Instant),
    opened: Instant,
    last_heard: Instant,
}

type Outcome = Result<(), Close>;

impl Socket {
    pub(crate) fn new(
        session: Session,
        state: WsState,
        signed_in: Option<(Authenticated, String)>,
        client: ClientInfo,
        connection: String,
    ) -> Self {
        let mut hub = state.hub.connect(state.settings.queue_capacity);
        let mut expiry = SessionClock::default();
        if let Some((session, _)) = &signed_in {
            hear_revocation(&mut hub, session);
            expiry.check_at(session.expires_at);
        }
        let (user, token) = signed_in.unzip();
        let burst = u64::from(state.settings.message_burst) * 1000;
        Self {
            session,
            state,
            hub,
            user,
            token,
            expiry,
            client,
            connection,
            positions: HashMap::new(),
            feed: None,
            follows_seen: EventId::ZERO,
            strikes: 0,
            messages: 0,
            allowance: (burst, Instant::now()),
            opened: Instant::now(),
            last_heard: Instant::now(),
        }
    }

    pub(crate) async fn run(mut self, mut stream: AggregatedMessageStream) {
        let ended = self.serve(&mut stream).await;
        // At shutdown the hub has handed the seat over, to be released with all the
        // others.
        if let Some(seat) = self.hub.give_up_seat() {
            let release = self.state.backend.release_seat(seat.user, &seat.socket);
            if let Err(error) = release.await {
                tracing::debug!(%error, "could not release a socket's seat");
            }
        }
        let Err(Close(code, why)) = ended else { return };
        let reason = CloseReason {
            code,
            description: Some(why.to_owned()),
        };
        let closing = self.session.clone().close(Some(reason));
        let _ = tokio::time::timeout(STALLED_AFTER, closing).await;
    }

    async fn serve(&mut self, stream: &mut AggregatedMessageStream) -> Outcome {
        self.welcome(None).await?;
        let mut heartbeat = tokio::time::interval(self.state.settings.heartbeat);
        heartbeat.tick().await;
        loop {
            tokio::select! {
                message = stream.next() => match message {
                    Some(Ok(AggregatedMessage::Text(text))) => {
                        self.last_heard = Instant::now();
                        self.receive(&text).await?;
                    }
                    Some(Ok(AggregatedMessage::Binary(_))) => {
                        self.last_heard = Instant::now();
                        self.refuse(None, "malformed_message", "send JSON text messages").await?;
                    }
                    Some(Ok(AggregatedMessage::Ping(bytes))) => {
                        self.last_heard = Instant::now();
                        self.session.pong(&bytes).await.map_err(|_| gone())?;
                    }
                    Some(Ok(AggregatedMessage::Pong(_))) => self.last_heard = Instant::now(),
                    Some(Ok(AggregatedMessage::Close(_))) => {
                        return Err(Close(CloseCode::Normal, "bye"));
                    }
                    Some(Err(actix_ws::ProtocolError::Overflow)) => {
                        return Err(Close(CloseCode::Size, "message too large"));
                    }
                    Some(Err(_)) => return Err(Close(CloseCode::Protocol, "protocol error")),
                    None => return Ok(()),
                },
                incoming = self.hub.recv() => match incoming {
                    Incoming::Event(event) if event.kind == SESSION_REVOKED => {
                        return Err(Close(CloseCode::Other(4001), "session revoked"));
                    }
                    Incoming::Event(event) if self.is_own_account(&event.channel) => {
                        self.take_in_follows(&event);
                    }
                    Incoming::Event(event) => self.deliver(&event).await?,
                    Incoming::QueueFull => {
                        let channels: Vec<String> = self.positions.keys().cloned().collect();
                        for channel in channels {
                            self.send(envelope::reply("resync_required", None, Some(&channel), json!({"channel": channel}))).await?;
                        }
                        return Err(too_slow());
                    }
                    Incoming::Closing => return Err(Close(CloseCode::Away, "server shutting down")),
                },
                () = self.expiry.due() => self.check_session().await?,
                _ = heartbeat.tick() => {
                    if self.last_heard.elapsed() >= self.state.settings.idle_timeout {
                        return Err(Close(CloseCode::Normal, "idle"));
                    }
                    self.session.ping(b"").await.map_err(|_| gone())?;
                    self.has_seat().await;
                }
            }
        }
    }

    /// Sends `text`, or gives up on a client that has not taken anything for
    /// [`STALLED_AFTER`]: its events would otherwise pile up without bound.
    async fn send(&mut self, text: String) -> Outcome {
        match tokio::time::timeout(STALLED_AFTER, self.session.text(text)).await {
            Ok(Ok(())) => Ok(()),
            Ok(Err(_)) => Err(gone()),
            Err(_) => Err(too_slow()),
        }
    }

    async fn welcome(&mut self, id: Option<&str>) -> Outcome {
        let user = self
            .user
            .as_ref()
            .map(|session| json!({"username": session.user.username.as_str()}));
        let heartbeat_ms =
            u64::try_from(self.state.settings.heartbeat.as_millis()).unwrap_or(u64::MAX);
        let data = json!({
            "connectionId": self.connection,
            "user": user,
            "heartbeatMs": heartbeat_ms,
        });
        self.send(envelope::reply("welcome", id, None, data)).await
    }

    /// An `error` reply, and a strike.
    async fn refuse(&mut self, id: Option<&str>, code: &str, message: &str) -> Outcome {
        self.send(envelope::error(id, code, message)).await?;
        self.strikes += 1;
        if self.strikes >= self.state.settings.max_strikes {
            return Err(Close(CloseCode::Policy, "too many refused messages"));
        }
        Ok(())
    }

    async fn receive(&mut self, text: &str) -> Outcome {
        self.messages += 1;
        if !self.within_rate() {
            return self
                .refuse(None, "rate_limited", "too many messages; slow down")
                .await;
        }
        if text.len() > self.state.settings.max_message_bytes {
            let limit = format!(
                "messages are limited to {} bytes",
                self.state.settings.max_message_bytes
            );
            return self.refuse(None, "message_too_large", &limit).await;
        }
        let message = match Inbound::parse(text) {
            Ok(message) => message,
            Err(_) => {
                return self
                    .refuse(
                        None,
                        "malformed_message",
                        "expected a JSON envelope with a type",
                    )
                    .await;
            }
        };
        let id = message.id.as_deref();
        match message.kind.as_str() {
            "ping" => {
                self.send(envelope::reply("pong", id, None, json!({})))
                    .await
            }
            "subscribe" | "unsubscribe" => {
                let Some(channel) = message.channel().and_then(|name| Channel::parse(name).ok())
                else {
                    return self
                        .refuse(
                            id,
                            "invalid_channel",
                            "expected article:<slug>, user:<username> or feed",
                        )
                        .await;
                };
                if message.kind == "subscribe" {
                    self.subscribe(&message, channel).await
                } else {
                    self.unsubscribe(id, channel).await
                }
            }
            "auth" => self.authenticate(&message).await,
            _ => {
                self.refuse(
                    id,
                    "unknown_type",
                    "expected subscribe, unsubscribe, ping or auth",
                )
                .await
            }
        }
    }

    /// Takes this socket's seat among its user's sockets (again); `false` when all
    /// are taken. Without Redis the cap is not counted.
    async fn take_seat(&mut self, user: UserId) -> bool {
        let settings = &self.state.settings;
        let seat = self.state.backend.take_seat(
            user,
            &self.connection,
            settings.max_sockets_per_user,
            settings.seat_hold(),
        );
        let seated = !matches!(seat.await, Ok(false));
        if seated {
            self.hub.hold_seat(Seat {
                user,
                socket: self.connection.clone(),
            });
        }
        seated
    }

    /// Takes (or keeps) the seat of an authenticated socket; `true` for an
    /// anonymous one.
    pub(crate) async fn has_seat(&mut self) -> bool {
        match self.user.as_ref().map(|session| session.user.id) {
            Some(user) => self.take_seat(user).await,
            None => true,
        }
    }

    /// Takes one message from the bucket, refilled at the allowed rate.
    fn within_rate(&mut self) -> bool {
        let settings = &self.state.settings;
        let (milli, filled) = &mut self.allowance;
        let elapsed_ms = u64::try_from(filled.elapsed().as_millis()).unwrap_or(u64::MAX);
        *filled = Instant::now();
        let refill = elapsed_ms.saturating_mul(u64::from(settings.messages_per_second));
        *milli = milli
            .saturating_add(refill)
            .min(u64::from(settings.message_burst) * 1000);
        match milli.checked_sub(1000) {
            Some(left) => {
                *milli = left;
                true
            }
            None => false,
        }
    }

    async fn authenticate(&mut self, message: &Inbound) -> Outcome {
        let id = message.id.as_deref();
        let first = self.messages == 1 && self.opened.elapsed() <= self.state.settings.auth_window;
        if self.user.is_some() || !first {
            return self
                .refuse(id, "auth_not_allowed", "auth must be the first message, within 5 seconds, of a socket opened without credentials")
                .await;
        }
        let Some(token) = message
            .text_field("token")
            .filter(|token| !token.is_empty())
        else {
            return self
                .refuse(id, "malformed_message", "auth needs data.token")
                .await;
        };
        match self.state.backend.authenticate(token, &self.client).await {
            Ok(session) if !self.take_seat(session.user.id).await => {
                self.refuse(
                    id,
                    "too_many_sockets",
                    "this account has as many sockets open as it may",
                )
                .await
            }
            Ok(session) => {
                hear_revocation(&mut self.hub, &session);
                self.expiry.check_at(session.expires_at);
                self.user = Some(session);
                self.token = Some(token.to_owned());
                self.welcome(id).await
            }
            Err(_) => {
                self.refuse(id, "unauthorized", "unknown, revoked or expired token")
                    .await
            }
        }
    }

    async fn subscribe(&mut self, message: &Inbound, channel: Channel) -> Outcome {
        let id = message.id.as_deref();
        let viewer = self.user.as_ref().map(|session| &session.user.username);
        match channel.may_subscribe(viewer) {
            Ok(()) => {}
            Err(SubscribeRefusal::Forbidden) => {
                return self
                    .refuse(id, "forbidden", "this channel is not yours to follow")
                    .await;
            }
            Err(SubscribeRefusal::SignInRequired) => {
                return self
                    .refuse(id, "unauthorized", "sign in to follow your feed")
                    .await;
            }
        }
        let after = match message.text_field("after") {
            Some(text) => match text.parse::<EventId>() {
                Ok(after) => Some(after),
                Err(_) => {
                    return self
                        .refuse(id, "invalid_after", "after must be an event id")
                        .await;
                }
            },
            None if message.has_field("after") => {
                return self
                    .refuse(id, "invalid_after", "after must be an event id")
                    .await;
            }
            None => None,
        };
        let name = channel.name();
        if !self.hub.follows(&name) && self.positions.len() >= self.state.settings.max_subscriptions
        {
            let limit = format!(
                "at most {} subscriptions per socket",
                self.state.settings.max_subscriptions
            );
            return self.refuse(id, "too_many_subscriptions", &limit).await;
        }
        if channel == Channel::Feed && self.feed.is_none() && !self.start_feed(id).await? {
            return Ok(());
        }
        // Live events are queued from here on, while the stream is read: the replay
        // and the live events overlap, and `deliver` drops what was replayed.
        self.positions.remove(&name);
        self.hub.follow(&name);
        match self.replay(&name, after, id).await {
            Ok(Some(position)) => {
                self.hub.caught_up(&name, position);
                self.positions.insert(name, position);
                Ok(())
            }
            Ok(None) => {
                self.hub.unfollow(&name);
                if channel == Channel::Feed {
                    self.stop_feed();
                }
                Ok(())
            }
            Err(close) => Err(close),
        }
    }

    /// Starts the feed's filter from the user's follows, listening for changes to
    /// them first so that none made meanwhile is missed; `false` (and an error sent)
    /// when the follows cannot be read.
    async fn start_feed(&mut self, id: Option<&str>) -> Result<bool, Close> {
        let Some(user) = &self.user else {
            return Ok(false);
        };
        let account = Channel::Account(user.user.id).name();
        self.hub.follow(&account);
        self.hub.caught_up(&account, EventId::ZERO);
        match self.state.backend.feed_filter(user).await {
            Ok(filter) => {
                self.feed = Some(filter);
                Ok(true)
            }
            Err(error) => {
                tracing::warn!(%error, "could not read whom a user follows");
                self.hub.unfollow(&account);
                self.send(envelope::error(
                    id,
                    "unavailable",
                    "live updates are unavailable; try again shortly",
                ))
                .await?;
                Ok(false)
            }
        }
    }

    fn stop_feed(&mut self) {
        self.feed = None;
        if let Some(user) = &self.user {
            self.hub.unfollow(&Channel::Account(user.user.id).name());
        }
    }

    /// Whether `channel` is the user's internal account channel; cheap for the
    /// others, which every live event is checked against.
    fn is_own_account(&self, channel: &str) -> bool {
        channel.starts_with("account:")
            && self
                .user
                .as_ref()
                .is_some_and(|user| Channel::Account(user.user.id).name() == channel)
    }

    /// A follow or unfollow of the user, taken into the feed's filter once and in
    /// order (the same change may come again when the instance catches up).
    fn take_in_follows(&mut self, event: &ChannelEvent) {
        if event.id <= self.follows_seen {
            return;
        }
        self.follows_seen = event.id;
        if let Some(feed) = &mut self.feed {
            feed.observe(event);
        }
    }

    /// Whether an event of a followed channel goes to the client: all do, but on
    /// the feed only those by authors the user follows.
    fn passes(&self, event: &ChannelEvent) -> bool {
        event.channel != FEED || self.feed.as_ref().is_some_and(|feed| feed.admits(event))
    }

    /// The session is due to expire: checked again (it may have been used since,
    /// and live on), else the socket closes as a revoked one does.
    async fn check_session(&mut self) -> Outcome {
        let Some(token) = &self.token else {
            self.expiry.stop();
            return Ok(());
        };
        match self.state.backend.authenticate(token, &self.client).await {
            Ok(session)
                if self
                    .user
                    .as_ref()
                    .is_some_and(|user| user.session_id == session.session_id) =>
            {
                self.expiry.check_at(session.expires_at);
                self.user = Some(session);
                Ok(())
            }
            Ok(_) | Err(AppError::Unauthenticated | AppError::SessionExpired) => {
                Err(Close(CloseCode::Other(4001), "session expired"))
            }
            Err(error) => {
                tracing::debug!(%error, "could not check a socket's session; trying again");
                self.expiry.retry_soon();
                Ok(())
            }
        }
    }

    /// Sends `subscribed` and what the channel holds after `after`; returns the
    /// position live delivery goes on from, or `None` when there is no subscription.
    async fn replay(
        &mut self,
        name: &str,
        after: Option<EventId>,
        id: Option<&str>,
    ) -> Result<Option<EventId>, Close> {
        let mut from = after;
        let mut first = true;
        loop {
            let page = match self.state.backend.replay(name, from, REPLAY_PAGE).await {
                Ok(page) => page,
                Err(error) => {
                    tracing::warn!(%error, channel = name, "could not read a realtime channel");
                    self.send(envelope::error(
                        id,
                        "unavailable",
                        "live updates are unavailable; try again shortly",
                    ))
                    .await?;
                    return Ok(None);
                }
            };
            let (events, last) = match page {
                Replay::Events { events, last } => (events, last),
                Replay::Gap => {
                    self.send(envelope::reply(
                        "resync_required",
                        id,
                        Some(name),
                        json!({"channel": name}),
                    ))
                    .await?;
                    return Ok(None);
                }
            };
            if first {
                let last_id = last.to_string();
                self.send(envelope::reply(
                    "subscribed",
                    id,
                    Some(name),
                    json!({"channel": name, "lastId": last_id}),
                ))
                .await?;
                first = false;
            }
            let Some(after) = from else {
                return Ok(Some(last));
            };
            let full = events.len() >= usize::try_from(REPLAY_PAGE).unwrap_or(usize::MAX);
            let mut position = after;
            for event in &events {
                position = event.id;
                if self.passes(event) {
                    self.send(envelope::event(event)).await?;
                }
            }
            if !full {
                return Ok(Some(position));
            }
            from = Some(position);
        }
    }

    async fn unsubscribe(&mut self, id: Option<&str>, channel: Channel) -> Outcome {
        let name = channel.name();
        self.positions.remove(&name);
        self.hub.unfollow(&name);
        if channel == Channel::Feed {
            self.stop_feed();
        }
        self.send(envelope::reply(
            "unsubscribed",
            id,
            Some(&name),
            json!({"channel": name}),
        ))
        .await
    }

    /// A live event, unless this socket has it already (replayed, or caught up
    /// twice).
    async fn deliver(&mut self, event: &ChannelEvent) -> Outcome {
        let Some(position) = self.positions.get_mut(&event.channel) else {
            return Ok(());
        };
        if event.id <= *position {
            return Ok(());
        }
        *position = event.id;
        if !self.passes(event) {
            return Ok(());
        }
        self.send(envelope::event(event)).await
    }
}

/// Follows the session's own channel from its start, so that a revocation
/// announced while the instance's subscription was down is caught up too.
fn hear_revocation(hub: &mut HubSocket, session: &Authenticated) {
    let channel = Channel::Session(session.session_id).name();
    hub.follow(&channel);
    hub.caught_up(&channel, EventId::ZERO);
}

fn too_slow() -> Close {
    Close(CloseCode::Again, "too slow: resume from your last event id")
}

/// The client went away mid-send: nothing left to close.
fn gone() -> Close {
    Close(CloseCode::Normal, "")
}
