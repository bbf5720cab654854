use super::PortError;

/// One entry of the event stream as a consumer receives it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DeliveredEvent {
    /// The stream entry id, to acknowledge it by.
    pub id: String,
    /// The event's place in the global order (its outbox sequence).
    pub sequence: u64,
    /// `DomainEvent::name`.
    pub name: String,
    pub fields: Vec<(String, String)>,
}

/// A consumer group's share of the event stream: each entry goes to one member of
/// the group and comes back until it is acknowledged, to this member or (once it
/// has been left alone for a while, as when its member died) to another.
pub trait EventFeed: Send + Sync + 'static {
    /// Entries delivered before and not acknowledged, else abandoned ones, else new
    /// ones: at most `count`, without waiting.
    async fn next_batch(&self, count: u32) -> Result<Vec<DeliveredEvent>, PortError>;

    async fn acknowledge(&self, ids: &[String]) -> Result<(), PortError>;

    /// Removes from the group the members that hold nothing and have not read for
    /// `idle` (processes that stopped); returns how many.
    async fn forget_departed(&self, idle: std::time::Duration) -> Result<usize, PortError>;
}
