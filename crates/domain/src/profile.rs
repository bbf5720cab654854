use crate::{Bio, ImageUrl, UserId, Username};

/// The public face of a user: what anyone may see. Viewer-specific facts
/// (whether the viewer follows them) are added by the application layer.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Profile {
    pub user_id: UserId,
    pub username: Username,
    pub bio: Option<Bio>,
    pub image: Option<ImageUrl>,
}
