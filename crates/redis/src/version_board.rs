use std::collections::HashMap;
use std::sync::{Mutex, MutexGuard, PoisonError};

/// Past this many keys the board starts over rather than grow without bound.
const MAX_KEYS: usize = 100_000;

/// The newest version of each cache key this process knows of, learnt from Redis
/// reads, from its own invalidations and from the invalidation channel.
///
/// It is only trusted while the channel is followed: a lost subscription may have
/// lost announcements, so closing (and reopening) starts a new epoch with an empty
/// board, and a read that began in an earlier epoch cannot record what it saw.
#[derive(Debug, Default)]
pub(crate) struct VersionBoard {
    state: Mutex<BoardState>,
}

#[derive(Debug, Default)]
struct BoardState {
    listening: bool,
    epoch: u64,
    versions: HashMap<String, u64>,
}

/// Which period of continuous listening a read started in.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Epoch(u64);

impl VersionBoard {
    fn state(&self) -> MutexGuard<'_, BoardState> {
        // The state stays consistent whatever a panicking holder did: every
        // update is a single insert or a reset.
        self.state.lock().unwrap_or_else(PoisonError::into_inner)
    }

    /// The current epoch, if the invalidation channel is being followed.
    pub fn listening_epoch(&self) -> Option<Epoch> {
        let state = self.state();
        state.listening.then_some(Epoch(state.epoch))
    }

    /// The newest known version of `key`, if it is known and can be trusted.
    pub fn latest(&self, key: &str) -> Option<u64> {
        let state = self.state();
        if !state.listening {
            return None;
        }
        state.versions.get(key).copied()
    }

    /// Records that `key` has reached `version`. Returns whether `version` is the
    /// newest known, which is when a value read at it may be kept locally.
    pub fn observe(&self, epoch: Epoch, key: &str, version: u64) -> bool {
        let mut state = self.state();
        if !state.listening || state.epoch != epoch.0 {
            return false;
        }
        if let Some(known) = state.versions.get_mut(key) {
            *known = (*known).max(version);
            return *known == version;
        }
        if state.versions.len() >= MAX_KEYS {
            // Forgetting versions is safe only if reads in flight forget theirs too.
            state.versions.clear();
            state.epoch += 1;
            return false;
        }
        state.versions.insert(key.to_owned(), version);
        true
    }

    /// The channel is followed from now on: start a fresh epoch.
    pub fn open(&self) {
        self.reset(true);
    }

    /// The channel was lost: nothing known can be trusted until it is back.
    pub fn close(&self) {
        self.reset(false);
    }

    /// Drops every known version and voids reads in flight, staying open or closed.
    pub fn forget_all(&self) {
        let listening = self.state().listening;
        self.reset(listening);
    }

    fn reset(&self, listening: bool) {
        let mut state = self.state();
        state.versions.clear();
        state.epoch += 1;
        state.listening = listening;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn listening_board() -> (VersionBoard, Epoch) {
        let board = VersionBoard::default();
        board.open();
        let epoch = board.listening_epoch().expect("listening");
        (board, epoch)
    }

    #[test]
    fn nothing_is_known_or_recorded_while_not_listening() {
        let board = VersionBoard::default();
        assert_eq!(board.listening_epoch(), None);
        assert!(!board.observe(Epoch(0), "k", 1));
        assert_eq!(board.latest("k"), None);
    }

    #[test]
    fn versions_only_move_forward() {
        let (board, epoch) = listening_board();
        assert!(board.observe(epoch, "k", 3));
        assert!(
            !board.observe(epoch, "k", 2),
            "an older read is not the newest"
        );
        assert_eq!(board.latest("k"), Some(3));
        assert!(board.observe(epoch, "k", 3));
        assert!(board.observe(epoch, "k", 4));
        assert_eq!(board.latest("k"), Some(4));
    }

    #[test]
    fn a_read_from_before_a_lost_subscription_is_not_recorded() {
        let (board, epoch) = listening_board();
        assert!(board.observe(epoch, "k", 1));
        board.close();
        assert_eq!(board.latest("k"), None);
        board.open();
        assert!(
            !board.observe(epoch, "k", 1),
            "that read may predate a missed bump"
        );
        assert_eq!(board.latest("k"), None);
        let fresh = board.listening_epoch().expect("listening again");
        assert!(board.observe(fresh, "k", 2));
        assert_eq!(board.latest("k"), Some(2));
    }

    #[test]
    fn a_full_board_starts_over_in_a_new_epoch() {
        let (board, epoch) = listening_board();
        for n in 0..MAX_KEYS {
            assert!(board.observe(epoch, &format!("k{n}"), 1));
        }
        assert!(!board.observe(epoch, "one-too-many", 1));
        assert_eq!(board.latest("k0"), None);
        assert!(!board.observe(epoch, "k0", 1), "reads in flight are void");
        let next = board.listening_epoch().expect("still listening");
        assert_ne!(next, epoch);
        assert!(board.observe(next, "k0", 1));
    }

    #[test]
    fn forgetting_voids_reads_in_flight_but_keeps_listening() {
        let (board, epoch) = listening_board();
        assert!(board.observe(epoch, "k", 5));
        board.forget_all();
        assert_eq!(board.latest("k"), None);
        assert!(
            !board.observe(epoch, "k", 5),
            "a read from before may be stale"
        );
        let next = board.listening_epoch().expect("still listening");
        assert!(board.observe(next, "k", 6));
    }
}
