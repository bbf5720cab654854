use folio_application::views::ProfileView;
use folio_domain::Profile;
use serde::Serialize;
use utoipa::ToSchema;

#[derive(Debug, Serialize, ToSchema)]
pub struct ProfileResponse {
    pub profile: ProfileBody,
}

/// A user's public profile; `following` is about the current viewer.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct ProfileBody {
    pub username: String,
    pub bio: Option<String>,
    pub image: Option<String>,
    pub following: bool,
}

impl ProfileBody {
    pub fn new(profile: Profile, following: bool) -> Self {
        Self {
            username: profile.username.into_inner(),
            bio: profile.bio.map(|b| b.into_inner()),
            image: profile.image.map(|i| i.into_inner()),
            following,
        }
    }
}

impl From<ProfileView> for ProfileResponse {
    fn from(view: ProfileView) -> Self {
        Self {
            profile: ProfileBody::new(view.profile, view.following),
        }
    }
}
