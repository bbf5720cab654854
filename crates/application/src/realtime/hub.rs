//! The instance's fan-out: live events, as the one subscription of the instance
//! receives them, handed to the queues of the local sockets that follow their
//! channel. A socket whose queue is full is told so instead of being waited for:
//! one slow client never holds up the others. It also knows the seats its sockets
//! hold among their users' sockets, to hand them all over in one go at shutdown.

use std::collections::{HashMap, HashSet};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex, PoisonError};

use folio_domain::UserId;
use tokio::sync::{Notify, mpsc, watch};

use super::{ChannelEvent, EventId};

struct Listener {
    queue: mpsc::Sender<Arc<ChannelEvent>>,
    overflow: Arc<Notify>,
}

#[derive(Default)]
struct Followers {
    sockets: HashMap<u64, Listener>,
    /// Where to catch up from after the subscription was lost: the last event
    /// dispatched, or before that the earliest position a socket started at.
    resume_after: Option<EventId>,
}

/// A socket's seat among its user's sockets across the deployment.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Seat {
    pub user: UserId,
    pub socket: String,
}

pub struct Hub {
    channels: Mutex<HashMap<String, Followers>>,
    /// The seats local sockets hold, by socket; `None` once handed over by
    /// [`Hub::close_all`].
    seats: Mutex<Option<HashMap<u64, Seat>>>,
    next_socket: AtomicU64,
    closing: watch::Sender<bool>,
}

impl Default for Hub {
    fn default() -> Self {
        Self {
            channels: Mutex::default(),
            seats: Mutex::new(Some(HashMap::new())),
            next_socket: AtomicU64::new(0),
            closing: watch::channel(false).0,
        }
    }
}

/// What a socket receives from the hub.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Incoming {
    /// A live event of a channel it follows.
    Event(Arc<ChannelEvent>),
    /// Its queue was full: events were lost to it.
    QueueFull,
    /// The instance is shutting down.
    Closing,
}

impl Hub {
    fn lock(&self) -> std::sync::MutexGuard<'_, HashMap<String, Followers>> {
        self.channels.lock().unwrap_or_else(PoisonError::into_inner)
    }

    fn seats(&self) -> std::sync::MutexGuard<'_, Option<HashMap<u64, Seat>>> {
        self.seats.lock().unwrap_or_else(PoisonError::into_inner)
    }

    /// A new socket, with a queue of `capacity` live events.
    pub fn connect(self: &Arc<Self>, capacity: usize) -> HubSocket {
        let (queue, inbox) = mpsc::channel(capacity.max(1));
        HubSocket {
            hub: self.clone(),
            id: self.next_socket.fetch_add(1, Ordering::Relaxed),
            queue,
            inbox,
            overflow: Arc::new(Notify::new()),
            closing: self.closing.subscribe(),
            channels: HashSet::new(),
            seat: None,
        }
    }

    /// Hands `event` to every local socket following its channel; returns to how
    /// many.
    pub fn dispatch(&self, event: ChannelEvent) -> usize {
        let mut channels = self.lock();
        let Some(followers) = channels.get_mut(&event.channel) else {
            return 0;
        };
        followers.resume_after = Some(followers.resume_after.map_or(event.id, |l| l.max(event.id)));
        let event = Arc::new(event);
        let mut delivered = 0;
        for listener in followers.sockets.values() {
            match listener.queue.try_send(event.clone()) {
                Ok(()) => delivered += 1,
                Err(mpsc::error::TrySendError::Full(_)) => listener.overflow.notify_one(),
                Err(mpsc::error::TrySendError::Closed(_)) => {}
            }
        }
        delivered
    }

    /// The channels local sockets follow, each with the id to catch up after.
    pub fn followed(&self) -> Vec<(String, Option<EventId>)> {
        self.lock()
            .iter()
            .map(|(channel, followers)| (channel.clone(), followers.resume_after))
            .collect()
    }

    /// Tells every socket that the instance is shutting down, and hands over the
    /// seats they hold, for the caller to release in one go (sockets closing by the
    /// thousand would otherwise each release their own at once). Only the first call
    /// gets them.
    pub fn close_all(&self) -> Vec<Seat> {
        self.closing.send_replace(true);
        self.seats()
            .take()
            .map(|seats| seats.into_values().collect())
            .unwrap_or_default()
    }

    fn leave(&self, socket: u64, channel: &str) {
        let mut channels = self.lock();
        if let Some(followers) = channels.get_mut(channel) {
            followers.sockets.remove(&socket);
            if followers.sockets.is_empty() {
                channels.remove(channel);
            }
        }
    }

    pub fn sockets_following(&self, channel: &str) -> usize {
        self.lock().get(channel).map_or(0, |f| f.sockets.len())
    }
}

/// One socket's place in the hub; leaves every channel when dropped.
pub struct HubSocket {
    hub: Arc<Hub>,
    id: u64,
    queue: mpsc::Sender<Arc<ChannelEvent>>,
    inbox: mpsc::Receiver<Arc<ChannelEvent>>,
    overflow: Arc<Notify>,
    closing: watch::Receiver<bool>,
    channels: HashSet<String>,
    /// The seat it holds, and whether the hub has it too.
    seat: Option<(Seat, bool)>,
}

impl HubSocket {
    /// Records the seat this socket holds (again).
    pub fn hold_seat(&mut self, seat: Seat) {
        let in_hub = match self.hub.seats().as_mut() {
            Some(seats) => {
                seats.insert(self.id, seat.clone());
                true
            }
            None => false,
        };
        self.seat = Some((seat, in_hub));
    }

    /// The seat this socket held, for the caller to release; `None` when it held
    /// none or the hub handed it over at shutdown.
    pub fn give_up_seat(&mut self) -> Option<Seat> {
        let (seat, in_hub) = self.seat.take()?;
        match self.hub.seats().as_mut() {
            Some(seats) => {
                seats.remove(&self.id);
                Some(seat)
            }
            None => (!in_hub).then_some(seat),
        }
    }

    /// Starts receiving the live events of `channel`.
    pub fn follow(&mut self, channel: &str) {
        self.channels.insert(channel.to_owned());
        self.hub
            .lock()
            .entry(channel.to_owned())
            .or_default()
            .sockets
            .insert(
                self.id,
                Listener {
                    queue: self.queue.clone(),
                    overflow: self.overflow.clone(),
                },
            );
    }

    /// Records that this socket has every event of `channel` up to `id`, so that
    /// catching up after a lost subscription starts no later than that.
    pub fn caught_up(&self, channel: &str, id: EventId) {
        if let Some(followers) = self.hub.lock().get_mut(channel) {
            followers.resume_after = Some(followers.resume_after.map_or(id, |l| l.min(id)));
        }
    }

    pub fn unfollow(&mut self, channel: &str) {
        self.channels.remove(channel);
        self.hub.leave(self.id, channel);
    }

    pub fn follows(&self, channel: &str) -> bool {
        self.channels.contains(channel)
    }

    pub fn following(&self) -> impl Iterator<Item = &String> {
        self.channels.iter()
    }

    /// The next live event, or why there will be none.
    pub async fn recv(&mut self) -> Incoming {
        if *self.closing.borrow() {
            return Incoming::Closing;
        }
        tokio::select! {
            biased;
            () = self.overflow.notified() => Incoming::QueueFull,
            _ = self.closing.wait_for(|closing| *closing) => Incoming::Closing,
            event = self.inbox.recv() => match event {
                Some(event) => Incoming::Event(event),
                // The socket holds a sender itself, so the queue never closes.
                None => Incoming::Closing,
            },
        }
    }
}

impl Drop for HubSocket {
    fn drop(&mut self) {
        for channel in self.channels.drain() {
            self.hub.leave(self.id, &channel);
        }
        if let Some(seats) = self.hub.seats().as_mut() {
            seats.remove(&self.id);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::realtime::DataValue;

    fn event(channel: &str, millis: u64) -> ChannelEvent {
        ChannelEvent {
            channel: channel.to_owned(),
            id: EventId::new(millis, 0),
            kind: "comment.created".into(),
            occurred_at: chrono::DateTime::UNIX_EPOCH,
            data: vec![("commentId".into(), DataValue::Integer(1))],
        }
    }

    #[tokio::test]
    async fn events_reach_the_sockets_of_their_channel_only() {
        let hub = Arc::new(Hub::default());
        let mut reader = hub.connect(8);
        let mut other = hub.connect(8);
        reader.follow("article:a");
        other.follow("article:b");

        assert_eq!(hub.dispatch(event("article:a", 1)), 1);
        assert_eq!(hub.dispatch(event("article:c", 2)), 0);

        assert_eq!(
            reader.recv().await,
            Incoming::Event(Arc::new(event("article:a", 1)))
        );
        assert!(other.inbox.try_recv().is_err());
    }

    #[tokio::test]
    async fn a_full_queue_is_reported_and_does_not_hold_up_others() {
        let hub = Arc::new(Hub::default());
        let mut slow = hub.connect(2);
        let mut fast = hub.connect(8);
        slow.follow("article:a");
        fast.follow("article:a");
        for millis in 1..=3 {
            hub.dispatch(event("article:a", millis));
        }
        assert_eq!(slow.recv().await, Incoming::QueueFull);
        for millis in 1..=3 {
            assert_eq!(
                fast.recv().await,
                Incoming::Event(Arc::new(event("article:a", millis)))
            );
        }
    }

    #[test]
    fn a_dropped_or_unfollowing_socket_leaves_its_channels() {
        let hub = Arc::new(Hub::default());
        let mut socket = hub.connect(8);
        socket.follow("article:a");
        socket.follow("article:b");
        socket.unfollow("article:a");
        assert_eq!(hub.sockets_following("article:a"), 0);
        assert_eq!(hub.sockets_following("article:b"), 1);
        drop(socket);
        assert!(hub.followed().is_empty());
    }

    #[test]
    fn catching_up_starts_at_the_earliest_position_then_the_last_dispatched() {
        let hub = Arc::new(Hub::default());
        let mut first = hub.connect(8);
        let mut second = hub.connect(8);
        first.follow("article:a");
        second.follow("article:a");
        first.caught_up("article:a", EventId::new(7, 0));
        second.caught_up("article:a", EventId::new(5, 0));
        assert_eq!(
            hub.followed(),
            [("article:a".to_owned(), Some(EventId::new(5, 0)))]
        );
        hub.dispatch(event("article:a", 9));
        assert_eq!(
            hub.followed(),
            [("article:a".to_owned(), Some(EventId::new(9, 0)))]
        );
    }

    #[tokio::test]
    async fn closing_reaches_every_socket() {
        let hub = Arc::new(Hub::default());
        let mut socket = hub.connect(8);
        hub.close_all();
        assert_eq!(socket.recv().await, Incoming::Closing);
    }

    fn seat(user: UserId, socket: &str) -> Seat {
        Seat {
            user,
            socket: socket.to_owned(),
        }
    }

    #[test]
    fn closing_hands_over_every_seat_held_once() {
        let (one, two) = (UserId::generate(), UserId::generate());
        let hub = Arc::new(Hub::default());
        let mut first = hub.connect(8);
        let mut second = hub.connect(8);
        let mut anonymous = hub.connect(8);
        first.hold_seat(seat(one, "a"));
        second.hold_seat(seat(two, "b"));
        second.hold_seat(seat(two, "b"));

        let mut handed_over = hub.close_all();
        handed_over.sort_by(|x, y| x.socket.cmp(&y.socket));
        assert_eq!(handed_over, [seat(one, "a"), seat(two, "b")]);
        assert!(hub.close_all().is_empty(), "handed over twice");
        assert_eq!(first.give_up_seat(), None, "released twice");
        assert_eq!(anonymous.give_up_seat(), None);
    }

    #[test]
    fn a_socket_leaving_before_the_close_releases_its_own_seat() {
        let (one, two) = (UserId::generate(), UserId::generate());
        let hub = Arc::new(Hub::default());
        let mut leaving = hub.connect(8);
        let dropped = hub.connect(8);
        let mut staying = hub.connect(8);
        leaving.hold_seat(seat(one, "a"));
        staying.hold_seat(seat(one, "b"));
        let mut dropped = dropped;
        dropped.hold_seat(seat(two, "c"));
        drop(dropped);

        assert_eq!(leaving.give_up_seat(), Some(seat(one, "a")));
        assert_eq!(leaving.give_up_seat(), None);
        assert_eq!(hub.close_all(), [seat(one, "b")]);
    }

    #[test]
    fn a_seat_taken_after_the_close_is_released_by_its_socket() {
        let one = UserId::generate();
        let hub = Arc::new(Hub::default());
        hub.close_all();
        let mut late = hub.connect(8);
        late.hold_seat(seat(one, "a"));
        assert_eq!(late.give_up_seat(), Some(seat(one, "a")));
    }
}
