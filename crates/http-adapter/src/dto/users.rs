use folio_application::use_cases::accounts::{Credentials, Registration, SettingsUpdate};
use folio_domain::User;
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;
use validator::Validate;

#[derive(Debug, Deserialize, ToSchema)]
pub struct RegisterRequest {
    pub user: RegisterUser,
}

/// Presence is checked here; the content rules are the domain's (`Username`,
/// `Email`, `Password`), so each field gets one consistent message.
#[derive(Debug, Clone, Deserialize, Validate, ToSchema)]
pub struct RegisterUser {
    #[validate(required(message = "can't be blank"))]
    #[schema(example = "jake", max_length = 40)]
    pub username: Option<String>,
    #[validate(required(message = "can't be blank"))]
    #[schema(example = "jake@jake.jake")]
    pub email: Option<String>,
    #[validate(required(message = "can't be blank"))]
    #[schema(example = "jakejake", min_length = 8, max_length = 128)]
    pub password: Option<String>,
}

impl From<RegisterUser> for Registration {
    fn from(dto: RegisterUser) -> Self {
        Registration {
            username: dto.username.unwrap_or_default(),
            email: dto.email.unwrap_or_default(),
            password: dto.password.unwrap_or_default(),
        }
    }
}

#[derive(Debug, Deserialize, ToSchema)]
pub struct LoginRequest {
    pub user: LoginUser,
}

#[derive(Debug, Deserialize, Validate, ToSchema)]
pub struct LoginUser {
    #[validate(required(message = "can't be blank"))]
    pub email: Option<String>,
    #[validate(required(message = "can't be blank"))]
    pub password: Option<String>,
}

impl From<LoginUser> for Credentials {
    fn from(dto: LoginUser) -> Self {
        Credentials {
            email: dto.email.unwrap_or_default(),
            password: dto.password.unwrap_or_default(),
        }
    }
}

#[derive(Debug, Deserialize, ToSchema)]
pub struct UpdateUserRequest {
    pub user: UpdateUser,
}

/// Only the fields present change. `bio` or `image` set to `null` or `""` clear them.
/// `image` is an https URL, or the id or URL of one of your uploads (which it
/// attaches: it is then public and never removed as unused).
#[derive(Debug, Deserialize, ToSchema)]
pub struct UpdateUser {
    pub email: Option<String>,
    pub username: Option<String>,
    pub password: Option<String>,
    #[serde(default, deserialize_with = "present_or_null")]
    pub bio: Option<Option<String>>,
    #[serde(default, deserialize_with = "present_or_null")]
    pub image: Option<Option<String>>,
}

/// Tells "key absent" (`None`) from "key is null" (`Some(None)`).
pub(crate) fn present_or_null<'de, D>(deserializer: D) -> Result<Option<Option<String>>, D::Error>
where
    D: serde::Deserializer<'de>,
{
    Option::<String>::deserialize(deserializer).map(Some)
}

impl From<UpdateUser> for SettingsUpdate {
    fn from(dto: UpdateUser) -> Self {
        SettingsUpdate {
            username: dto.username,
            email: dto.email,
            password: dto.password,
            bio: dto.bio.map(Option::unwrap_or_default),
            image: dto.image.map(Option::unwrap_or_default),
        }
    }
}

#[derive(Debug, Serialize, ToSchema)]
pub struct UserResponse {
    pub user: UserBody,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct UserBody {
    pub email: String,
    /// The bearer token; absent for cookie sessions, whose token page scripts must
    /// never see.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub token: Option<String>,
    pub username: String,
    pub bio: Option<String>,
    pub image: Option<String>,
    /// `member`, `moderator` or `admin` (a Folio extension; RealWorld clients ignore it).
    pub role: String,
}

impl UserResponse {
    pub fn new(user: User, token: Option<String>) -> Self {
        Self {
            user: UserBody {
                email: user.email.into_inner(),
                token,
                username: user.username.into_inner(),
                bio: user.bio.map(|b| b.into_inner()),
                image: user.image.map(|i| i.into_inner()),
                role: user.role.as_str().to_owned(),
            },
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn null_and_absent_are_different_updates() {
        let parsed: Result<UpdateUser, _> = serde_json::from_str(r#"{"bio": null}"#);
        let update = parsed.map(SettingsUpdate::from);
        assert!(
            update
                .as_ref()
                .is_ok_and(|u| u.bio.as_deref() == Some("") && u.image.is_none())
        );
    }

    #[test]
    fn null_bio_and_image_are_serialized_not_skipped() {
        let body = UserBody {
            email: "a@b.co".into(),
            token: Some("t".into()),
            username: "a".into(),
            bio: None,
            image: None,
            role: "member".into(),
        };
        let json = serde_json::to_value(&body).unwrap_or_default();
        assert!(json.get("bio").is_some_and(serde_json::Value::is_null));
        assert!(json.get("image").is_some_and(serde_json::Value::is_null));
    }
}
