//! Public profiles and follows.

use folio_domain::{Actor, DomainEvent, Profile, Username};

use crate::content_cache::Profiles;
use crate::error::Resource;
use crate::ports::{ProfileRepository, UnitOfWork, Work};
use crate::views::ProfileView;
use crate::{AppError, FieldErrors, Folio, Ports};

impl<P: Ports> Folio<P> {
    pub async fn profile(
        &self,
        viewer: Option<Actor>,
        username: &str,
    ) -> Result<ProfileView, AppError> {
        let profile = self.find_profile(username).await?;
        let following = match viewer {
            Some(viewer) if viewer.user_id != profile.user_id => {
                self.ports
                    .profiles()
                    .is_following(viewer.user_id, profile.user_id)
                    .await?
            }
            _ => false,
        };
        Ok(ProfileView { profile, following })
    }

    pub async fn follow(&self, actor: Actor, username: &str) -> Result<ProfileView, AppError> {
        let profile = self.find_profile(username).await?;
        if profile.user_id == actor.user_id {
            return Err(AppError::Invalid(FieldErrors::single(
                "username",
                "cannot follow yourself",
            )));
        }
        let mut work = self.ports.unit_of_work().begin().await?;
        let followed = work
            .profiles()
            .follow(actor.user_id, profile.user_id)
            .await?;
        if followed {
            work.raise(DomainEvent::UserFollowed {
                follower: actor.user_id,
                followee: profile.user_id,
                followee_name: profile.username.clone(),
            });
        }
        let events = work.commit().await?;
        self.settle(&events).await;
        Ok(ProfileView {
            profile,
            following: true,
        })
    }

    pub async fn unfollow(&self, actor: Actor, username: &str) -> Result<ProfileView, AppError> {
        let profile = self.find_profile(username).await?;
        let mut work = self.ports.unit_of_work().begin().await?;
        let unfollowed = work
            .profiles()
            .unfollow(actor.user_id, profile.user_id)
            .await?;
        if unfollowed {
            work.raise(DomainEvent::UserUnfollowed {
                follower: actor.user_id,
                followee: profile.user_id,
                followee_name: profile.username.clone(),
            });
        }
        let events = work.commit().await?;
        self.settle(&events).await;
        Ok(ProfileView {
            profile,
            following: false,
        })
    }

    async fn find_profile(&self, username: &str) -> Result<Profile, AppError> {
        // A string that is not a valid username cannot name anyone.
        let username =
            Username::parse(username).map_err(|_| AppError::NotFound(Resource::Profile))?;
        self.read_through::<Profiles>(&username)
            .await?
            .value
            .ok_or(AppError::NotFound(Resource::Profile))
    }
}
