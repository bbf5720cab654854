//! What a socket's feed starts from: the authors its user follows.

use folio_domain::UserId;

use crate::ports::ProfileRepository;
use crate::realtime::FeedFilter;
use crate::views::Authenticated;
use crate::{AppError, Folio, Ports};

impl<P: Ports> Folio<P> {
    /// The filter of `caller`'s live feed, as their follows are now.
    pub async fn feed_filter(&self, caller: &Authenticated) -> Result<FeedFilter, AppError> {
        let followed: Vec<UserId> = self.ports.profiles().followees(caller.user.id).await?;
        Ok(FeedFilter::new(followed))
    }
}
