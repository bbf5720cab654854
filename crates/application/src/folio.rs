use chrono::Duration;

use crate::Ports;

/// How long sessions live.
#[derive(Debug, Clone, Copy)]
pub struct SessionPolicy {
    /// A session unused for this long expires (sliding).
    pub idle_timeout: Duration,
    /// A session expires this long after login, however active.
    pub absolute_lifetime: Duration,
    /// `last_seen_at` is written at most this often per session.
    pub touch_interval: Duration,
}

impl Default for SessionPolicy {
    fn default() -> Self {
        Self {
            idle_timeout: Duration::days(14),
            absolute_lifetime: Duration::days(90),
            touch_interval: Duration::minutes(1),
        }
    }
}

/// The application: every use case is a method on this type (see `use_cases`).
pub struct Folio<P: Ports> {
    pub(crate) ports: P,
    pub(crate) sessions: SessionPolicy,
}

impl<P: Ports> Folio<P> {
    pub fn new(ports: P, sessions: SessionPolicy) -> Self {
        Self { ports, sessions }
    }

    pub fn ports(&self) -> &P {
        &self.ports
    }
}
